"""The self-registration throttle: one budget per person, whichever door they come through.

Registering and unregistering oneself goes through the API (``me/registrations/``) and through the
XBlock's handlers; both count against this one counter, in the host's default cache, under DRF's
key (``throttle_cursus_self_registration_<user id>``), at the one rate the host sets in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["cursus_self_registration"]`` (``None``: no limit).
The rate is read at each call, so a settings change (or a test) applies at once.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

SELF_REGISTRATION_SCOPE = "cursus_self_registration"
CHECKIN_SCOPE = "cursus_checkin"
#: Self-registrations and self-unregistrations together, per person; check-in attempts, per person
#: (a six-digit code, two of them valid at a time: ten tries a minute make guessing hopeless).
DEFAULT_RATES = {SELF_REGISTRATION_SCOPE: "10/minute", CHECKIN_SCOPE: "10/minute"}


class SelfRegistrationThrottle(SimpleRateThrottle):
    """DRF's rate throttle keyed by the person, usable without a DRF view (``allow_person``)."""

    scope = SELF_REGISTRATION_SCOPE

    def __init__(self):
        self.person = None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        # DRF freezes ``THROTTLE_RATES`` when it is imported; the settings are read now instead.
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return DEFAULT_RATES[self.scope]

    def allow_request(self, request, view):
        return self.allow_person(request.user)

    def allow_person(self, user):
        """Count one call by ``user``; False when their budget is spent (``wait()`` says for how long)."""
        self.person = user
        return super().allow_request(None, None)

    def get_cache_key(self, request, view):
        if self.person is None or not self.person.is_authenticated:
            return None  # both doors refuse anonymous callers before counting
        return self.cache_format % {"scope": self.scope, "ident": self.person.pk}


class CheckInThrottle(SelfRegistrationThrottle):
    """Check-in attempts (the XBlock's and the check-in page's together), per person."""

    scope = CHECKIN_SCOPE
