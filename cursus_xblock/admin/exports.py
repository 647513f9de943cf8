"""Export actions of the registrations, sessions and documents lists: CSV or XLSX of the selected rows.

An action gets the list's queryset after its filters, search and the viewer's organizations; with
"select all" that is every row the list shows, however many pages. The response is streamed
(CSV) or sent from a temporary file (XLSX), so a large list costs bounded memory.
"""

import shutil
import tempfile
import zipfile

from django.contrib import admin
from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..selectors import exports
from ..utils.spreadsheets import csv_chunks, export_response, xlsx_file


def _action(reader, fmt, name, description):
    @admin.action(permissions=["view"], description=description)
    def action(modeladmin, request, queryset):
        header, rows = reader(queryset)
        return export_response(header, rows, fmt, name)

    action.__name__ = f"export_{name}_{fmt}"
    return action


export_registrations_csv = _action(
    exports.registration_rows, "csv", "registrations", _("Export the selected registrations (CSV)")
)
export_registrations_xlsx = _action(
    exports.registration_rows, "xlsx", "registrations", _("Export the selected registrations (XLSX)")
)
export_roster_csv = _action(
    exports.roster_rows, "csv", "roster", _("Export the roster and waiting list of the selected sessions (CSV)")
)
export_roster_xlsx = _action(
    exports.roster_rows, "xlsx", "roster", _("Export the roster and waiting list of the selected sessions (XLSX)")
)
export_documents_csv = _action(exports.document_rows, "csv", "documents", _("Export the selected documents (CSV)"))
export_documents_xlsx = _action(exports.document_rows, "xlsx", "documents", _("Export the selected documents (XLSX)"))


def attendance_name(session):
    """``attendance-<session code>``: the file of one session's grid."""
    return f"attendance-{slugify(session.code) or session.pk}"


def attendance_response(sessions, fmt):
    """One session's attendance grid as a file, or several sessions' grids as a ZIP of one file each.

    Each grid has its own séances as columns, so several sessions cannot share one table. The ZIP is
    written to a temporary file, one member at a time.
    """
    sessions = list(sessions)
    if len(sessions) == 1:
        header, rows = exports.attendance_rows(sessions[0])
        return export_response(header, rows, fmt, attendance_name(sessions[0]))
    archive = tempfile.TemporaryFile()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for session in sessions:
            header, rows = exports.attendance_rows(session)
            with bundle.open(f"{attendance_name(session)}.{fmt}", "w") as member:
                if fmt == "xlsx":
                    with xlsx_file(header, rows, title=session.code or "attendance") as workbook:
                        shutil.copyfileobj(workbook, member)
                else:
                    for chunk in csv_chunks(header, rows):
                        member.write(chunk)
    archive.seek(0)
    filename = f"attendance-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


def _attendance_action(fmt, description):
    @admin.action(permissions=["view"], description=description)
    def action(modeladmin, request, queryset):
        return attendance_response(queryset.select_related("course").order_by("code", "pk"), fmt)

    action.__name__ = f"export_attendance_{fmt}"
    return action


export_attendance_csv = _attendance_action("csv", _("Export the attendance grid of the selected sessions (CSV)"))
export_attendance_xlsx = _attendance_action("xlsx", _("Export the attendance grid of the selected sessions (XLSX)"))
