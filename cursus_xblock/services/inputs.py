"""What people type in, checked by one rule per field, whatever the interface they type it in.

A reason kept in a registration's history arrives through the per-user page, the picker, the
admin's register form, the API and the XBlock. Each reads it with ``clean_reason``, so the limit,
the refusals and their words are the same everywhere, and nothing reaches the database that it
cannot store: PostgreSQL refuses NUL in text and UTF-8 has no lone surrogate, which were 500s.
Refusals are Django ``ValidationError``s, which forms, DRF fields and the XBlock all know how to
show.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

#: The reason the system writes when an account is retired: nobody is written to about it.
RETIRED_REASON = gettext_noop("Account retired")

#: The longest reason, in characters, after stripping.
REASON_MAX_LENGTH = 2000

REASON_NOT_TEXT = _("The reason must be text.")
REASON_TOO_LONG = _("The reason is too long (%(max)d characters at most).")
REASON_CONTROL_CHARACTER = _("The reason contains an invisible control character: remove it and try again.")

#: Control characters a reason may hold: it is a short text, and may have lines and tabs.
_KEPT_CONTROLS = frozenset("\n\t")


def clean_reason(value):
    """``value`` stripped, its line breaks as ``\\n``; ``ValidationError`` when it is no fit reason.

    Refused: anything but a string (a JSON number is not text, whatever it would print as), a
    control character other than newline and tab (NUL, escape, DEL, C1) or a lone surrogate, and
    more than ``REASON_MAX_LENGTH`` characters once stripped. Nothing is cut silently.
    """
    if not isinstance(value, str):
        raise ValidationError(REASON_NOT_TEXT, code="not_text")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    # Before stripping, which would take some of them (\x1c-\x1f, \x85) off the ends only.
    if any(unicodedata.category(char) in ("Cc", "Cs") and char not in _KEPT_CONTROLS for char in text):
        raise ValidationError(REASON_CONTROL_CHARACTER, code="control_character")
    text = text.strip()
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(REASON_TOO_LONG, code="too_long", params={"max": REASON_MAX_LENGTH})
    return text
