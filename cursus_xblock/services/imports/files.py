"""Reading an import's file, whatever it imports: CSV or XLSX in, a header and rows of cells out.

HR and planning files arrive as CSV (UTF-8 with or without a BOM, or Windows-1252; ``;`` or ``,``)
or XLSX, with French or English column names. What the columns mean is each import's business
(``registrations``, ``sessions``); here only the bytes, the bounds and the header's names.
"""

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ...conf import settings
from ...utils.dates import interpolate


@dataclass
class Plan:
    """What an import would do (its dry run) or did, row by row; each row has ``ok``, ``result`` and ``label``."""

    rows: list = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self):
        return [row for row in self.rows if not row.ok]

    def counts(self):
        """[(label, number of rows)], in the order results first appear."""
        counts, labels = {}, {}
        for row in self.rows:
            counts[row.result] = counts.get(row.result, 0) + 1
            labels.setdefault(row.result, row.label)
        return [(labels[result], number) for result, number in counts.items()]


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, size, columns): nothing is planned."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ImportHasErrors(Exception):
    """Applying a plan with errors without asking for its valid rows only."""


def normal(text):
    """A column name or a word as compared: lower case, without accents, ``_`` as a space, ’ as '.

    The typographic apostrophe matters: Django's French catalogue names the username column
    « nom d’utilisateur », so a French export comes back with it.
    """
    text = unicodedata.normalize("NFKD", str(text or "").replace("’", "'")).encode("ascii", "ignore").decode()
    return " ".join(text.replace("_", " ").lower().split())


def table(content, filename=""):
    """(header, rows) of a CSV or XLSX file's bytes: lists of cells; ``ImportFileError`` when unreadable."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(interpolate(_("The file is larger than %(size)s bytes."), size=settings.IMPORT_MAX_BYTES))
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return header, rows


def positions(header, columns):
    """{field: index of its first column} for the names of ``columns`` ({field: {accepted names}})."""
    found = {}
    for index, name in enumerate(header):
        for key, names in columns.items():
            if normal(name) in names and key not in found:
                found[key] = index
    return found


def data_lines(rows, max_rows=None):
    """(line number, cells) of the rows that are not blank, at most ``max_rows`` of them
    (``IMPORT_MAX_ROWS``, what a request may read; a background job reads more)."""
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    count = 0
    for line, values in enumerate(rows, start=2):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        if count >= max_rows:
            raise ImportFileError(interpolate(_("The file has more than %(rows)s rows."), rows=max_rows))
        count += 1
        yield line, values


def _decode(content):
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(content):
    text = _decode(content)
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=";,").delimiter
    except csv.Error:
        delimiter = ";" if first.count(";") >= first.count(",") else ","
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(content):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("The file is neither a CSV file nor a readable XLSX workbook.")) from exc
    sheet = workbook.worksheets[0]
    return (list(values) for values in sheet.iter_rows(values_only=True))


def report_csv(header, rows):
    """A per-row report as CSV text (UTF-8 with a BOM, ``;``: what a spreadsheet opens as is)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([str(name) for name in header])
    writer.writerows(rows)
    return buffer.getvalue()
