"""Export actions of the registrations, sessions and documents lists: CSV or XLSX of the selected rows.

An action gets the list's queryset after its filters, search and the viewer's organizations; with
"select all" that is every row the list shows, however many pages. The response is streamed
(CSV) or sent from a temporary file (XLSX), so a large list costs bounded memory.
"""

from django.contrib import admin
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..selectors import exports
from ..utils.spreadsheets import CONTENT_TYPES, csv_chunks, xlsx_file


def export_response(header, rows, fmt, name):
    """A download of ``rows`` as ``fmt`` ("csv" or "xlsx") named ``name-YYYYMMDD.fmt``."""
    filename = f"{name}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(header, rows, title=name), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
        )
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
