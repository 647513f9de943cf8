"""The lock row of each (person, workspace, workspace role), and the history's « not promoted »."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0005_organizations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="registrationhistory",
            name="action",
            field=models.CharField(
                choices=[
                    ("registered", "Registered"),
                    ("promoted", "Promoted from the waiting list"),
                    ("validated", "Validated"),
                    ("refused", "Refused"),
                    ("cancelled", "Unregistered"),
                    ("attendance", "Attendance recorded"),
                    ("not_promoted", "Not promoted: refused by the workspace"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
        migrations.CreateModel(
            name="WorkspaceRoleLock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("workspace_key", models.CharField(max_length=255)),
                ("role", models.CharField(max_length=32)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace_key", "role", "user"), name="cursus_workspace_role_lock_unique"
                    )
                ],
            },
        ),
    ]
