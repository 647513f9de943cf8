"""App configuration, and the plugin contract edx-django-utils reads to load us into the LMS and Studio."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Strings, not edx-platform's ProjectType/SettingsType enums: those live in edx-platform, which
# must not be imported here. The values are the stable ones the platform has always used.
_LMS = "lms.djangoapp"
_CMS = "cms.djangoapp"


def _url_config():
    return {"namespace": "cursus_xblock", "regex": r"^cursus/", "relative_path": "urls"}


def _settings_config():
    return {
        "common": {"relative_path": "settings.common"},
        "production": {"relative_path": "settings.production"},
        "test": {"relative_path": "settings.test"},
    }


class CursusConfig(AppConfig):
    name = "cursus_xblock"
    label = "cursus_xblock"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {_LMS: _url_config(), _CMS: _url_config()},
        "settings_config": {_LMS: _settings_config(), _CMS: _settings_config()},
    }

    def ready(self):
        # Registered on import: the system checks, and the Celery task the documents service publishes by name.
        from . import checks, tasks  # noqa: F401
        from .documents import registry  # noqa: F401  (the kind columns validate against it)
        from .services.calendar_cancellation import send_calendar_cancellation
        from .signals import registration_changed

        registration_changed.connect(send_calendar_cancellation, dispatch_uid="cursus_calendar_cancellation")
        # The platform's events (openedx-events) and, inside the LMS, its account retirement signal.
        from .openedx.receivers import connect as connect_platform_receivers

        connect_platform_receivers()
        # The host's user admin is registered by now (admin autodiscovery runs before apps listed
        # after django.contrib.admin are ready): compose with it.
        from .admin.users import hook_user_admin

        hook_user_admin()
