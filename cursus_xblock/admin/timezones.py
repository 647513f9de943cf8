"""Session and event dates are typed and read in the session's time zone, not the server's.

A trainer in Montréal types 09:00 for a Montréal session: that must mean 09:00 in Montréal,
whatever ``TIME_ZONE`` the LMS runs with. Django's form fields read wall-clock times in the
current time zone; the change pages switch it to the session's zone while they run, and the
forms move the times into the zone the form finally names (the admin may change it).
"""

import zoneinfo

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


def retime(value, tz):
    """The same wall-clock time as ``value`` has in the current zone, but in ``tz``."""
    if value is None:
        return None
    return timezone.make_aware(timezone.make_naive(value, timezone.get_current_timezone()), tz)


def zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return None


class LabelledWidgetsMixin:
    """Names every input after its field, including where the admin prints no ``<label>`` for it:
    the two halves of a date-and-time, the cells of the events' inline table. A screen reader
    otherwise announces "edit text" with nothing to say which one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = str(field.label or "")
            if not label:
                continue
            parts = getattr(field.widget, "widgets", None)
            if isinstance(field, forms.SplitDateTimeField) and parts and len(parts) == 2:
                parts[0].attrs.setdefault("aria-label", _("%(field)s: date") % {"field": label})
                parts[1].attrs.setdefault("aria-label", _("%(field)s: time") % {"field": label})
            else:
                field.widget.attrs.setdefault("aria-label", label)


class LabelledInlineFormSet(BaseInlineFormSet):
    """The inline table's « Delete » box, named too (the formset adds it after the form's init)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        delete = form.fields.get("DELETE")
        if delete is not None:
            delete.widget.attrs.setdefault("aria-label", str(delete.label))


class SilentField(forms.BooleanField):
    """The change page's « do not notify »: new dates or a new place tell nobody when ticked."""

    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            label=_lazy("Do not notify (nobody gets an e-mail about this change)"),
            help_text=_lazy(
                "Otherwise the learners are told of new dates or a new place, and the calendar of "
                "those who received an invitation is updated."
            ),
            **kwargs,
        )


class SessionForm(LabelledWidgetsMixin, forms.ModelForm):
    silent = SilentField()

    def clean(self):
        cleaned = super().clean()
        tz = zone(cleaned.get("time_zone"))
        if tz is not None:
            for name in ("start", "end"):
                cleaned[name] = retime(cleaned.get(name), tz)
        return cleaned


class EventForm(LabelledWidgetsMixin, forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        session = cleaned.get("session") or getattr(self.instance, "session", None)
        tz = zone(getattr(session, "time_zone", None))
        if tz is not None:
            for name in ("start", "end"):
                cleaned[name] = retime(cleaned.get(name), tz)
        return cleaned


class EventAdminForm(EventForm):
    """A séance's own change page, which has the « do not notify » box (the session's inline has the session's)."""

    silent = SilentField()


class SessionTimeZoneMixin:
    """Renders and reads a change page in the time zone that ``page_time_zone`` names."""

    def page_time_zone(self, obj):
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        obj = self.get_object(request, object_id) if object_id else None
        tz = zone(self.page_time_zone(obj)) if obj is not None else None
        if tz is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # a TemplateResponse would otherwise render after the override ends
        return response
