"""Imports from a spreadsheet: registrations (``registrations``) and sessions with their séances
(``sessions``), both read by ``files`` and checked by a dry run before anything is written.

The registration import's names stay reachable here, where they were before the split.
"""

from .files import ImportFileError
from .registrations import (
    COLUMNS,
    LABELS,
    REPORT_HEADER,
    ROLES,
    ImportHasErrors,
    ImportPlan,
    ImportRow,
    RowResult,
    apply,
    groups,
    parse,
    plan,
    report_csv,
    report_csv_of_lists,
)

__all__ = [
    "COLUMNS",
    "LABELS",
    "REPORT_HEADER",
    "ROLES",
    "ImportFileError",
    "ImportHasErrors",
    "ImportPlan",
    "ImportRow",
    "RowResult",
    "apply",
    "groups",
    "parse",
    "plan",
    "report_csv",
    "report_csv_of_lists",
]
