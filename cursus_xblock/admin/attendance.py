"""The roll-call grid of a session: learners × séances, one select per cell, saved with one POST
(no state changes on GET).

Open to the session's training managers and to its confirmed trainers who may use the admin
(staff): a trainer takes attendance without managing registrations. Every write goes through
``services.attendance``; the whole POST is one transaction, so a refused cell changes nothing.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from .. import permissions
from ..models import Attendance, Session
from ..selectors.attendance import attendance_grid
from ..selectors.checkin import seance_checkins
from ..services import attendance as attendance_service
from ..services import checkin as checkin_service
from ..services.imports import attendance as attendance_imports
from ..services.outcomes import RegistrationError
from ..utils.dates import after_colon, date_range, interpolate
from .exports import attendance_response
from .imports import SALT, ImportMixin

NOT_RECORDED = _("Nothing was recorded: %(problem)s")
NO_SUCH_SEANCE = _("This séance is not in this session.")
CHECKIN_OPENED = _("Check-in is open for %(event)s until %(time)s.")
CHECKIN_CLOSED = _("Check-in is closed for %(event)s.")
UNKNOWN_CELLS = _("these rows are not in this session's grid: %(ids)s.")
CELL_PREFIX = "cell-"


def attendance_urls(model_admin):
    views = AttendanceGridView(model_admin)
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/attendance/export/<str:fmt>/",
            wrap(require_http_methods(["GET"])(views.export)),
            name="cursus_xblock_session_attendance_export",
        ),
        path(
            "<path:object_id>/attendance/import/",
            wrap(require_http_methods(["GET", "POST"])(views.import_page)),
            name="cursus_xblock_session_attendance_import",
        ),
        path(
            "<path:object_id>/attendance/import/report/",
            wrap(require_http_methods(["POST"])(views.import_report)),
            name="cursus_xblock_session_attendance_import_report",
        ),
        path(
            "<path:object_id>/attendance/",
            wrap(require_http_methods(["GET", "POST"])(views.page)),
            name="cursus_xblock_session_attendance",
        ),
        path(
            "<path:object_id>/checkin/<int:event_id>/",
            wrap(require_http_methods(["GET"])(views.checkin_screen)),
            name="cursus_xblock_session_checkin",
        ),
    ]


class AttendanceGridView:
    def __init__(self, model_admin):
        self.model_admin = model_admin

    def _session(self, request, object_id):
        """The session if the viewer takes its attendance; another organization's manager gets a 404."""
        object_id = unquote(object_id)
        session = Session.objects.select_related("course").filter(pk=object_id).first() if object_id.isdigit() else None
        if session is None:
            raise Http404(_("This session does not exist."))
        if permissions.takes_attendance(request.user, session):
            return session
        if permissions.is_training_manager(request.user):
            raise Http404(_("This session does not exist."))
        raise PermissionDenied

    def export(self, request, object_id, fmt):
        """The grid as CSV or XLSX (a download: changes nothing)."""
        session = self._session(request, object_id)
        if fmt not in ("csv", "xlsx"):
            raise Http404(_("Unknown export format."))
        return attendance_response([session], fmt)

    def import_page(self, request, object_id):
        return AttendanceImport(self.model_admin, self._session(request, object_id)).import_view(request)

    def import_report(self, request, object_id):
        return AttendanceImport(self.model_admin, self._session(request, object_id)).import_report_view(request)

    def page(self, request, object_id):
        session = self._session(request, object_id)
        grid = attendance_grid(session)
        if request.method == "POST":
            if request.POST.get("checkin"):
                self._checkin(request, grid)
            else:
                self._save(request, grid)
            return HttpResponseRedirect(request.path)
        now = timezone.now()
        checkins = seance_checkins([c.event.pk for c in grid.columns], now)
        opts = self.model_admin.opts
        manager = permissions.manages(request.user, session)
        context = {
            **self.model_admin.admin_site.each_context(request),
            "title": interpolate(_("Attendance of %(session)s"), session=session),
            "opts": opts,
            "session": session,
            "grid": grid,
            "rows": _table(grid, session, checkins),
            "columns": [
                {
                    "column": c,
                    "dates": date_range(c.event.start, c.event.end, session.tzinfo),
                    "checkin": _checkin_state(c.event, checkins[c.event.pk], now),
                    "screen_url": reverse("admin:cursus_xblock_session_checkin", args=[session.pk, c.event.pk]),
                }
                for c in grid.columns
            ],
            "dates": date_range(session.start, session.end, session.tzinfo),
            "states": Attendance.choices,
            "change_url": reverse("admin:cursus_xblock_session_change", args=[session.pk]) if manager else None,
            "changelist_url": reverse("admin:cursus_xblock_session_changelist") if manager else None,
            "cell_prefix": CELL_PREFIX,
            "export_csv_url": reverse("admin:cursus_xblock_session_attendance_export", args=[session.pk, "csv"]),
            "export_xlsx_url": reverse("admin:cursus_xblock_session_attendance_export", args=[session.pk, "xlsx"]),
            "import_url": reverse("admin:cursus_xblock_session_attendance_import", args=[session.pk]),
        }
        return TemplateResponse(request, "cursus_xblock/admin/attendance.html", context)

    def _checkin(self, request, grid):
        """Open or close check-in for one séance of the grid (``checkin=open:<id>`` or ``close:<id>``)."""
        action, _sep, pk = request.POST["checkin"].partition(":")
        event = next((c.event for c in grid.columns if str(c.event.pk) == pk), None)
        if event is None or action not in ("open", "close"):
            self.model_admin.message_user(request, NO_SUCH_SEANCE, messages.ERROR)
            return
        try:
            if action == "open":
                window = checkin_service.open_checkin(event=event, actor=request.user)
                until = timezone.localtime(window.closes_at, event.session.tzinfo)
                message = interpolate(CHECKIN_OPENED, event=event.name, time=f"{until:%H:%M}")
            else:
                checkin_service.close_checkin(event=event, actor=request.user)
                message = interpolate(CHECKIN_CLOSED, event=event.name)
        except RegistrationError as refused:
            self.model_admin.message_user(request, refused.message, messages.ERROR)
            return
        self.model_admin.message_user(request, message, messages.SUCCESS)

    def checkin_screen(self, request, object_id, event_id):
        """The séance's code and QR code, large, for the room's screen; it reloads itself every 20 seconds."""
        session = self._session(request, object_id)
        event = session.events.filter(pk=event_id).first()
        if event is None:
            raise Http404(NO_SUCH_SEANCE)
        window = checkin_service.current_window(event)
        context = {
            **self.model_admin.admin_site.each_context(request),
            "title": interpolate(_("Check-in — %(event)s"), event=event.name),
            "opts": self.model_admin.opts,
            "session": session,
            "event": event,
            "panel": checkin_service.code_panel(window) if window else None,
            "grid_url": reverse("admin:cursus_xblock_session_attendance", args=[session.pk]),
        }
        return TemplateResponse(request, "cursus_xblock/admin/checkin_screen.html", context)

    def _save(self, request, grid):  # noqa: C901 (one loop per rule, read in order)
        """The posted cells, by séance; « all present » overrides the column it names."""
        event_of = {}
        for i, column in enumerate(grid.columns):
            for row in grid.rows:
                if row.cells[i] is not None:
                    event_of[row.cells[i].pk] = column.event
        all_present = request.POST.get("all_present", "")
        posted, unknown = {}, []
        for name, value in request.POST.items():
            if not name.startswith(CELL_PREFIX):
                continue
            pk = name[len(CELL_PREFIX) :]
            if not pk.isdigit() or int(pk) not in event_of:
                unknown.append(pk[:20])
                continue
            event = event_of[int(pk)]
            if str(event.pk) == all_present:
                value = Attendance.PRESENT
            posted.setdefault(event, {})[int(pk)] = value
        if all_present:  # the column's cells, also those the form did not send
            for pk, event in event_of.items():
                if str(event.pk) == all_present:
                    posted.setdefault(event, {})[pk] = Attendance.PRESENT
        if unknown:
            problem = UNKNOWN_CELLS % {"ids": ", ".join(unknown)}
            self.model_admin.message_user(request, NOT_RECORDED % {"problem": problem}, messages.ERROR)
            return
        try:
            with transaction.atomic():
                outcomes = [
                    attendance_service.attendance_mark_many(event=event, marks=marks, actor=request.user)
                    for event, marks in posted.items()
                ]
        except RegistrationError as refused:
            problem = after_colon(refused.message)
            self.model_admin.message_user(request, NOT_RECORDED % {"problem": problem}, messages.ERROR)
            return
        changed = sum(o.changed for o in outcomes)
        unchanged = sum(o.unchanged for o in outcomes)
        self.model_admin.message_user(
            request,
            ngettext(
                "Attendance saved: %(changed)d change, %(unchanged)d unchanged.",
                "Attendance saved: %(changed)d changes, %(unchanged)d unchanged.",
                changed,
            )
            % {"changed": changed, "unchanged": unchanged},
            messages.SUCCESS,
        )


def _checkin_state(event, state, now):
    earliest, latest = checkin_service.default_window(event)
    return {
        "open": state.open,
        "can_open": not state.open and earliest <= now < latest,
        "to_validate": state.to_validate,
    }


def _table(grid, session, checkins=None):
    """Each row's cells with their column and the label a screen reader gives their select."""
    checkins = checkins or {}
    table = []
    for row in grid.rows:
        person = row.user.get_full_name() or row.user.get_username()
        cells = [
            {
                "cell": cell,
                "column": column,
                "label": interpolate(
                    _("Attendance of %(person)s at %(event)s"), person=person, event=column.event.name
                ),
                "signature": checkins[column.event.pk].learners.get(cell.pk)
                if cell is not None and column.event.pk in checkins
                else None,
            }
            for cell, column in zip(row.cells, grid.columns, strict=True)
        ]
        table.append({"row": row, "person": person, "cells": cells})
    return table


class AttendanceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1252, separated by ; or ,) or XLSX. Either the grid as the export writes it "
            "(one row per learner, one column per séance; an empty cell leaves the attendance as it is), or one "
            "row per mark with the columns: username or e-mail, séance (its id, or its name and a date column), "
            "status (present, excused, absent, unknown — présent, absent justifié, absent non justifié, inconnu). "
            "The first row names the columns, in French or English."
        ),
    )


class AttendanceImport(ImportMixin):
    """The import page of one session's attendance, reached from its grid.

    The grid's view has checked who is asking (the session's training managers and trainers);
    the signed rows are bound to the session through the salt, so a dry run of one session
    cannot be applied to another.
    """

    import_notifies = False  # attendance tells nobody

    service = attendance_imports
    upload_form = AttendanceUploadForm
    template_name = "cursus_xblock/admin/attendance_import.html"

    def __init__(self, model_admin, session):
        self.model_admin, self.session = model_admin, session
        self.admin_site, self.model, self.opts = model_admin.admin_site, model_admin.model, model_admin.opts
        self.salt = f"{SALT}.attendance.{session.pk}"
        self.import_title = interpolate(_("Import the attendance of %(session)s"), session=session)

    def _check_import_permission(self, request):
        if not permissions.takes_attendance(request.user, self.session):
            raise PermissionDenied

    def has_view_permission(self, request, obj=None):
        return self.model_admin.has_view_permission(request, obj)

    def row_values(self, row):
        return row.values()

    def row_of(self, values):
        return attendance_imports.AttendanceCell(*values)

    def empty_plan(self, rows):
        return attendance_imports.AttendancePlan(rows=rows)

    def import_options(self, request):
        return {"session": self.session}

    def import_report_url(self):
        return reverse("admin:cursus_xblock_session_attendance_import_report", args=[self.session.pk])

    def import_extra_context(self, request):
        manager = permissions.manages(request.user, self.session)
        return {
            "session": self.session,
            "grid_url": reverse("admin:cursus_xblock_session_attendance", args=[self.session.pk]),
            "change_url": reverse("admin:cursus_xblock_session_change", args=[self.session.pk]) if manager else None,
            "changelist_url": reverse("admin:cursus_xblock_session_changelist") if manager else None,
        }
