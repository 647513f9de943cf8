"""Rows out as CSV or XLSX in bounded memory: what every export (admin, command) writes through.

CSV is produced line by line for a ``StreamingHttpResponse`` (UTF-8 with a BOM and ``;``, which
spreadsheets in French open as columns). XLSX uses openpyxl's write-only mode, which streams
each row to a temporary file: the workbook is then sent as a file, never built in memory.
"""

import csv
import datetime
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.isoformat()
    text = "" if value is None else str(value)
    # A person's name is typed by that person: "=HYPERLINK(…)" must stay text.
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file whose ``write`` returns what it was given: ``csv.writer`` then formats one line at a time."""

    def write(self, value):
        return value


def csv_chunks(header, rows):
    """Encoded CSV lines, the header first, read from ``rows`` one at a time."""
    writer = csv.writer(_Line(), delimiter=";")
    yield "\ufeff".encode() + writer.writerow([str(name) for name in header]).encode()
    for row in rows:
        yield writer.writerow([_text(value) for value in row]).encode()


def _cell(sheet, value):
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the local time of the site, as the CSV shows it.
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (int, float)):
        return "" if value is None else value
    value = str(value)
    if value.startswith("="):
        # openpyxl writes a string starting with "=" as a formula: keep it text.
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_file(header, rows, title="Export"):
    """A temporary file (positioned at 0) holding the rows as an XLSX workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(name) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
