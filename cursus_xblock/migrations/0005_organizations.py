"""Organizations: who owns a course, and the training managers limited to some organizations.

Existing courses take the organization of their course runs, read by the workspace backend: the
default course run's, else their sessions' when these all belong to one organization. With the
groups backend (outside Open edX) workspaces name no organization, so every course stays without
one: only site-wide training managers see it until an administrator chooses its organization.
Reversing drops the organizations and the roles (courses lose their link).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def assign_organizations(apps, schema_editor):
    from cursus_xblock.models.organizations import assign_course_organizations

    assign_course_organizations(
        course_model=apps.get_model("cursus_xblock", "Course"),
        session_model=apps.get_model("cursus_xblock", "Session"),
        organization_model=apps.get_model("cursus_xblock", "Organization"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cursus_xblock", "0004_batch_outcomes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Organization",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "short_name",
                    models.CharField(
                        error_messages={"unique": "An organization with this short name already exists."},
                        help_text="In Open edX, the organization of course run keys (the Org of course-v1:Org+Course+Run).",
                        max_length=255,
                        unique=True,
                        verbose_name="short name",
                    ),
                ),
                ("name", models.CharField(max_length=255, verbose_name="name")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created on")),
            ],
            options={
                "verbose_name": "organization",
                "verbose_name_plural": "organizations",
                "ordering": ["short_name"],
            },
        ),
        migrations.AddField(
            model_name="course",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                help_text="Its training managers see and manage this course's sessions. In Open edX, taken from the course run of the default workspace. Empty: only site-wide training managers see it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="courses",
                to="cursus_xblock.organization",
                verbose_name="organization",
            ),
        ),
        migrations.CreateModel(
            name="OrganizationManager",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created on")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="managers",
                        to="cursus_xblock.organization",
                        verbose_name="organization",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cursus_managed_organizations",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "training manager of the organization",
                "verbose_name_plural": "training managers of the organization",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "user"),
                        name="cursus_orgmanager_unique",
                        violation_error_message="This user already manages this organization.",
                    )
                ],
            },
        ),
        migrations.RunPython(assign_organizations, migrations.RunPython.noop),
    ]
