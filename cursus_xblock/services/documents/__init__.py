"""Documents: templates, issuing, e-mail and calendar, bulk ZIPs — one module per job.

The interfaces call ``services.documents.<function>``: the names below are the service's surface,
whichever module does the work.
"""

from ...documents.generators import DocumentRefused
from ...documents.templating import TemplateError
from .batches import (
    BatchNotResumable,
    BulkResult,
    ZipRequest,
    ZipState,
    batch_is_stale,
    batch_resumable,
    batch_resume,
    batch_run,
    batch_start,
    celery_enabled,
    issue_zip,
    request_session_zip,
    stale_after,
)
from .issuing import issue, issue_for_group, kind_of, preview, refusal
from .mail import calendar_for, email_document, send_cancellation
from .records import read_content, site_url, snapshot_dates, verification_url, verify
from .sheets import session_sign_in_sheets, sign_in_sheet_content, sign_in_sheet_issue, sign_in_sheets_zip
from .templates import default_template, template_save
from .transcripts import transcript_issue
from .zips import selection_download, session_zip_name, zip_documents

__all__ = [
    "BatchNotResumable",
    "BulkResult",
    "DocumentRefused",
    "TemplateError",
    "ZipRequest",
    "ZipState",
    "batch_is_stale",
    "batch_resumable",
    "batch_resume",
    "batch_run",
    "batch_start",
    "calendar_for",
    "celery_enabled",
    "default_template",
    "email_document",
    "issue",
    "issue_for_group",
    "kind_of",
    "issue_zip",
    "preview",
    "refusal",
    "read_content",
    "request_session_zip",
    "selection_download",
    "send_cancellation",
    "session_sign_in_sheets",
    "session_zip_name",
    "sign_in_sheet_content",
    "sign_in_sheet_issue",
    "sign_in_sheets_zip",
    "site_url",
    "snapshot_dates",
    "stale_after",
    "template_save",
    "transcript_issue",
    "verification_url",
    "verify",
    "zip_documents",
]
