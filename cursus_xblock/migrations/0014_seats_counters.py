"""Seats taken and people waiting as columns of the session, filled from the registrations (issue 14, item 6).

The registrations keep them from now on (``models.registrations.count_seat_changes``); the
catalogue filters and sorts on them, and on the new (start, id) index, without counting rows.
"""

from django.db import migrations, models
from django.db.models import Count

SEAT_STATUSES = ("confirmed", "pending")


def fill(apps, schema_editor):
    Registration = apps.get_model("cursus_xblock", "Registration")
    Session = apps.get_model("cursus_xblock", "Session")
    db = schema_editor.connection.alias
    counts = {}
    rows = (
        Registration.objects.using(db)
        .filter(role="learner", status__in=[*SEAT_STATUSES, "waiting"])
        .values("session_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        taken, waiting = counts.get(row["session_id"], (0, 0))
        if row["status"] == "waiting":
            waiting += row["n"]
        else:
            taken += row["n"]
        counts[row["session_id"]] = (taken, waiting)
    for pk, (taken, waiting) in counts.items():
        Session.objects.using(db).filter(pk=pk).update(seats_taken=taken, waiting_count=waiting)


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0013_reminders_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="seats_taken",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Learners confirmed or pending validation.", verbose_name="seats taken"
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="waiting_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="waiting"),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["start", "id", "capacity", "seats_taken"], name="cursus_session_catalogue"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
