"""Issue 16 item 4: the certificate's attendance minimum per course, overridden per session (empty: the setting)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cursus_xblock', '0008_person_registrations'),
    ]

    operations = [
        migrations.AddField(
            model_name='course',
            name='certificate_min_attendance',
            field=models.PositiveSmallIntegerField(blank=True, help_text="Percent of the hours of the learner's events. Empty: the site's setting (CURSUS_CERTIFICATE_MIN_ATTENDANCE).", null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='minimum attendance for a certificate (%)'),
        ),
        migrations.AddField(
            model_name='session',
            name='certificate_min_attendance',
            field=models.PositiveSmallIntegerField(blank=True, help_text="Empty: the course's minimum.", null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='minimum attendance for a certificate (%)'),
        ),
    ]
