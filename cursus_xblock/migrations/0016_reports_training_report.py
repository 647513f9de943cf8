from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0015_trainers_notifications"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrainingReport",
            fields=[],
            options={
                "verbose_name": "report",
                "verbose_name_plural": "reports",
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("cursus_xblock.session",),
        ),
    ]
