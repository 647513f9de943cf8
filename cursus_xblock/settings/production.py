"""Production settings: the common defaults; operators override through their own settings."""

from . import common


def plugin_settings(settings):
    common.plugin_settings(settings)
