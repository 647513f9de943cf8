"""Throttling of self-registration: a signed-in person cannot hammer a session's seats.

The rate is DRF's scoped rate ``cursus_self_registration``; the host overrides it (or turns it off
with ``None``) in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, and it is read at each request so
tests can change it. Counts are kept in the host's default cache, per user.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

SELF_REGISTRATION_SCOPE = "cursus_self_registration"
#: Self-registrations and self-unregistrations together, per person.
DEFAULT_RATES = {SELF_REGISTRATION_SCOPE: "10/minute"}


class SelfRegistrationThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, with a default rate when the host sets none for our scope."""

    def get_rate(self):
        # ``THROTTLE_RATES`` is frozen when DRF is imported; the settings are read now instead.
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return DEFAULT_RATES[self.scope]
