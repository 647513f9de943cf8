"""Throttles of the API: self-registration shares its budget with the XBlock (``web.throttling``)."""

from ..web.throttling import DEFAULT_RATES, SELF_REGISTRATION_SCOPE, SelfRegistrationThrottle

__all__ = ["DEFAULT_RATES", "SELF_REGISTRATION_SCOPE", "SelfRegistrationThrottle"]
