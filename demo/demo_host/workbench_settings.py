"""Settings for the XBlock SDK's workbench and the learners' sign-in, shared by the demo and the tests.

A learner signs in at ``/accounts/login/`` (the admin's login refuses non-staff) and lands on the
workbench. Its state (the blocks' settings) stays across restarts in its table (``migrate
--run-syncdb``: it has no migrations); its index lists the Cursus block only, not the SDK's samples.
"""

from importlib.metadata import entry_points

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/workbench/"

WORKBENCH = {"reset_state_on_restart": False, "services": {"settings": "workbench.services.SettingsService"}}
EXCLUDED_XBLOCKS = {
    entry_point.name
    for entry_point in entry_points(group="xblock.v1")
    if entry_point.dist is not None and entry_point.dist.name.lower().replace("_", "-") == "xblock-sdk"
}
