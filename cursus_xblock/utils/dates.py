"""Showing dates, zones, names and reasons the way people read and write them, in their language.

Dates are shown in the session's own time zone, the zone named as people say it (« heure de
Paris », "Paris time") rather than by its IANA name. French messages get what a French
administrator writes by hand: « Inscriptions d'Agnès », not « Inscriptions de Agnès »; « Refusé :
la session est complète. », not « Refusé : La session… ».
"""

import re

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, pgettext

# A French word that elides « de » and « que » before it: a vowel (h is left alone: « de Hugo »).
_VOWEL_START = re.compile(r"[aeiouyàâäéèêëîïôöùûüÿæœ]", re.IGNORECASE)
# « de %(name)s », « que %(name)s », « de {name} » in a French message.
_ELIDABLE = re.compile(r"\b([dD]|[qQ]u)e (%\((\w+)\)s|\{(\w+)\})")


def _french():
    return (get_language() or "").lower().startswith("fr")


def elide(message, values):
    """``message`` with « de »/« que » before a placeholder elided where its value starts with a vowel.

    Only in French; ``message`` is the translated text before interpolation, ``values`` the values
    it will get (``%(name)s`` or ``{name}`` placeholders).
    """
    if not _french():
        return str(message)

    def repl(match):
        key = match.group(3) or match.group(4)
        value = str(values.get(key, ""))
        if value and _VOWEL_START.match(value):
            return f"{match.group(1)}'{match.group(2)}"
        return match.group(0)

    return _ELIDABLE.sub(repl, str(message))


def interpolate(message, **values):
    """``message % values`` with French elision: « Inscriptions d'Agnès Béranger »."""
    return elide(message, values) % values


def after_colon(text):
    """A sentence that goes on after a colon: its first letter lower-cased in French (« Refusé : la
    session est complète. »), unless the first word is an acronym (« LMS »)."""
    text = str(text)
    if _french() and len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def of_name(name):
    """« de Paul Martin », « d'Agnès Béranger », "of Agnès Béranger": a person's name after « de »."""
    return interpolate(pgettext("of a person", "of %(name)s"), name=name)


def zone_name(tz):
    """The zone as people say it: « heure de Paris », "Paris time" (the city of its IANA name)."""
    key = getattr(tz, "key", str(tz))
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    if key.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT"):
        return "UTC"
    return interpolate(gettext("%(city)s time"), city=city)


def local(value, tz):
    return timezone.localtime(value, tz)


def date_range(start, end, tz):
    """« 12/12/2026 09:00 – 17:30 (heure de Paris) », the end's date repeated only when it differs."""
    start, end = local(start, tz), local(end, tz)
    first = formats.date_format(start, "SHORT_DATETIME_FORMAT")
    if start.date() == end.date():
        last = formats.time_format(end, "TIME_FORMAT")
    else:
        last = formats.date_format(end, "SHORT_DATETIME_FORMAT")
    return f"{first} – {last} ({zone_name(tz)})"


def compact_date_range(start, end, tz):
    """« 29–30/10/2026, 08:30–17:30 »: for narrow tables; what both dates share is written once.

    The dates are the locale's short format (« 10/29–30/2026 » in English), compared part by part,
    so only the parts that differ are repeated around the dash.
    """
    start, end = local(start, tz), local(end, tz)
    first = re.findall(r"\d+|\D+", formats.date_format(start, "SHORT_DATE_FORMAT"))
    last = re.findall(r"\d+|\D+", formats.date_format(end, "SHORT_DATE_FORMAT"))
    if first == last:
        days = "".join(first)
    elif len(first) != len(last):
        days = f"{''.join(first)}–{''.join(last)}"
    else:
        differ = [i for i, (a, b) in enumerate(zip(first, last, strict=True)) if a != b]
        low, high = differ[0], differ[-1] + 1
        days = f"{''.join(first[:low])}{''.join(first[low:high])}–{''.join(last[low:high])}{''.join(first[high:])}"
    hours = f"{formats.time_format(start, 'TIME_FORMAT')}–{formats.time_format(end, 'TIME_FORMAT')}"
    return f"{days}, {hours}"


def long_date_range(start, end, tz):
    """« 12 December 2026, 09:00 – 17:30 (Paris time) »: for learners, who read dates in words."""
    start, end = local(start, tz), local(end, tz)
    first = f"{formats.date_format(start, 'DATE_FORMAT')}, {formats.time_format(start, 'TIME_FORMAT')}"
    if start.date() == end.date():
        last = formats.time_format(end, "TIME_FORMAT")
    else:
        last = f"{formats.date_format(end, 'DATE_FORMAT')}, {formats.time_format(end, 'TIME_FORMAT')}"
    return f"{first} – {last} ({zone_name(tz)})"
