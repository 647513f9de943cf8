"""Issue 17: the « details changed » trigger (a session's or séance's dates or place), sent with the calendar update."""

from django.db import migrations, models

TRIGGERS = [
    ("registered", "Registered (confirmed)"),
    ("waiting", "Placed on the waiting list"),
    ("promoted", "Promoted from the waiting list"),
    ("pending", "Pending validation"),
    ("validated", "Registration validated"),
    ("refused", "Registration refused"),
    ("unregistered", "Unregistered by a manager"),
    ("unregistered_self", "Unregistered by themself"),
    ("session_cancelled", "Session cancelled"),
    ("details_changed", "Session or séance details changed (dates, place)"),
]


class Migration(migrations.Migration):
    dependencies = [("cursus_xblock", "0011_sheets_document_kinds")]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="trigger",
            field=models.CharField(choices=TRIGGERS, max_length=32, verbose_name="trigger"),
        )
        for model in ("notification", "notificationswitch", "notificationtemplate")
    ]
