"""Automatic notifications (issue 17): the send log, the templates per trigger and language, the switches.

The check constraint goes through cursus_xblock.utils.compat so it applies on Django 4.2 too.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from cursus_xblock.utils.compat import check_constraint


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0009_attendance_thresholds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "trigger",
                    models.CharField(
                        choices=[
                            ("registered", "Registered (confirmed)"),
                            ("waiting", "Placed on the waiting list"),
                            ("promoted", "Promoted from the waiting list"),
                            ("pending", "Pending validation"),
                            ("validated", "Registration validated"),
                            ("refused", "Registration refused"),
                            ("unregistered", "Unregistered by a manager"),
                            ("unregistered_self", "Unregistered by themself"),
                            ("session_cancelled", "Session cancelled"),
                        ],
                        max_length=32,
                        verbose_name="trigger",
                    ),
                ),
                ("language", models.CharField(max_length=16, verbose_name="language")),
                ("subject", models.CharField(max_length=255, verbose_name="subject")),
                ("body_text", models.TextField(verbose_name="text body")),
                (
                    "body_html",
                    models.TextField(blank=True, help_text="Empty: the text body only.", verbose_name="HTML body"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="modified on")),
            ],
            options={
                "verbose_name": "notification template",
                "verbose_name_plural": "notification templates",
                "ordering": ["trigger", "language"],
                "constraints": [
                    models.UniqueConstraint(fields=("trigger", "language"), name="cursus_notification_template_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "trigger",
                    models.CharField(
                        choices=[
                            ("registered", "Registered (confirmed)"),
                            ("waiting", "Placed on the waiting list"),
                            ("promoted", "Promoted from the waiting list"),
                            ("pending", "Pending validation"),
                            ("validated", "Registration validated"),
                            ("refused", "Registration refused"),
                            ("unregistered", "Unregistered by a manager"),
                            ("unregistered_self", "Unregistered by themself"),
                            ("session_cancelled", "Session cancelled"),
                        ],
                        max_length=32,
                        verbose_name="trigger",
                    ),
                ),
                ("object_key", models.CharField(max_length=64, verbose_name="about")),
                ("version", models.CharField(max_length=64, verbose_name="version")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("skipped", "Not sent"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                (
                    "next_attempt_at",
                    models.DateTimeField(
                        blank=True, default=django.utils.timezone.now, null=True, verbose_name="next attempt"
                    ),
                ),
                ("language", models.CharField(blank=True, max_length=16, verbose_name="language")),
                ("recipient", models.CharField(blank=True, max_length=254, verbose_name="sent to")),
                ("subject", models.CharField(blank=True, max_length=255, verbose_name="subject")),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="created on"),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent on")),
                (
                    "registration",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="cursus_xblock.registration",
                        verbose_name="registration",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to="cursus_xblock.session",
                        verbose_name="session",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cursus_notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["status", "next_attempt_at"], name="cursus_notification_due")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "trigger", "object_key", "version"), name="cursus_notification_once"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="NotificationSwitch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "trigger",
                    models.CharField(
                        choices=[
                            ("registered", "Registered (confirmed)"),
                            ("waiting", "Placed on the waiting list"),
                            ("promoted", "Promoted from the waiting list"),
                            ("pending", "Pending validation"),
                            ("validated", "Registration validated"),
                            ("refused", "Registration refused"),
                            ("unregistered", "Unregistered by a manager"),
                            ("unregistered_self", "Unregistered by themself"),
                            ("session_cancelled", "Session cancelled"),
                        ],
                        max_length=32,
                        verbose_name="trigger",
                    ),
                ),
                ("enabled", models.BooleanField(default=False, verbose_name="send")),
                (
                    "course",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_switches",
                        to="cursus_xblock.course",
                        verbose_name="course",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_switches",
                        to="cursus_xblock.session",
                        verbose_name="session",
                    ),
                ),
            ],
            options={
                "verbose_name": "notification setting",
                "verbose_name_plural": "notification settings",
                "constraints": [
                    check_constraint(
                        condition=models.Q(
                            models.Q(("course__isnull", False), ("session__isnull", True)),
                            models.Q(("course__isnull", True), ("session__isnull", False)),
                            _connector="OR",
                        ),
                        name="cursus_notification_switch_one_owner",
                    ),
                    models.UniqueConstraint(fields=("course", "trigger"), name="cursus_notification_switch_course"),
                    models.UniqueConstraint(fields=("session", "trigger"), name="cursus_notification_switch_session"),
                ],
            },
        ),
    ]
