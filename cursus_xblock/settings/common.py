"""Settings the plugin adds to the host (edx-django-utils ``plugin_settings`` contract).

Only defaults: a value the operator already set is never overwritten.
"""

import copy

from cursus_xblock.conf import DEFAULTS, PREFIX


def plugin_settings(settings):
    for name, value in DEFAULTS.items():
        if not hasattr(settings, PREFIX + name):
            setattr(settings, PREFIX + name, copy.deepcopy(value))
