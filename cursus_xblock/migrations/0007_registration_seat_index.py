"""Seat counts and waiting ranks read from one index, whatever the size of the session (issue 14, item 3).

(session, role, status, waiting order) replaces (session, role, status), which it begins with.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0006_workspace_role_lock"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["session", "role", "status", "waiting_order"], name="cursus_reg_seats"),
        ),
        migrations.RemoveIndex(
            model_name="registration",
            name="cursus_reg_session_role_status",
        ),
    ]
