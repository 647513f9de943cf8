"""Issue 18 item 1: a large import runs as a background job, chunk by chunk, with its progress and report."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from cursus_xblock.models import ImportJob, ImportJobStatus, ImportKind, Registration, RegistrationStatus, Role
from cursus_xblock.services.imports import jobs
from cursus_xblock.services.imports import registrations as imports
from tests.factories import CourseFactory, SessionFactory, UserFactory

SESSIONS, PER_SESSION = 30, 100  # 3,000 rows; chunks of 500 rows: six of them

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def big(db):
    """30 sessions of 80 seats with a waiting list, and a 3,000-row file: 20 waiting per session,
    plus a few errors (an unknown person, a duplicate row) and a person registered beforehand."""
    course = CourseFactory()
    sessions = [
        SessionFactory(code=f"BIG-{n:02d}", course=course, capacity=80, waiting_list_enabled=True)
        for n in range(SESSIONS)
    ]
    User = get_user_model()
    User.objects.bulk_create(User(username=f"p{n:04d}", email=f"p{n:04d}@example.org") for n in range(3000))
    Registration.objects.create(
        user=User.objects.get(username="p0000"),
        session=sessions[0],
        role=Role.LEARNER,
        status=RegistrationStatus.CONFIRMED,
    )
    lines = ["username;session;role"]
    for s in range(SESSIONS):
        for i in range(PER_SESSION):
            lines.append(f"p{s * PER_SESSION + i:04d};BIG-{s:02d};learner")
    lines[5] = "nobody;BIG-00;learner"
    lines[7] = "p0001;BIG-00;learner"  # the same as line 3
    manager = UserFactory(username="site.manager", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    return {"content": ("\n".join(lines) + "\n").encode(), "sessions": sessions, "manager": manager}


def registrations():
    return sorted(
        Registration.objects.values_list("user__username", "session__code", "role", "status", "waiting_order")
    )


def start(big, **options):
    rows = jobs.parse(ImportKind.REGISTRATIONS, big["content"], "hr.csv")
    return jobs.start(
        kind=ImportKind.REGISTRATIONS,
        content=big["content"],
        file_name="hr.csv",
        rows_total=len(rows),
        actor=big["manager"],
        **options,
    )


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_CHUNK_ROWS=500)
def test_a_job_ends_with_the_rows_and_report_of_a_synchronous_apply(big):
    with transaction.atomic():
        rows = imports.parse(big["content"], "hr.csv")
        result = imports.apply(rows, actor=big["manager"], allow_errors=True)
        expected_rows = registrations()
        expected_report = [[str(cell) for cell in row.as_list()] for row in result.rows]
        transaction.set_rollback(True)
    assert len(expected_rows) == 2998 and Registration.objects.count() == 1

    job = start(big, allow_errors=True)

    assert job.status == ImportJobStatus.DONE, job.error
    assert (job.rows_done, job.rows_total, job.errors, job.percent) == (3000, 3000, 2, 100)
    assert registrations() == expected_rows
    report = jobs.report_rows(job)
    assert report[0] == ["line", "person", "session", "role", "result", "position", "message"]
    assert report[1:] == expected_report
    assert dict(job.counts) == {
        "Registered": 30 * 80 - 1,
        "Waiting list": 30 * 20 - 2,
        "Already registered": 1,
        "Unknown person": 1,
        "Duplicate row": 1,
    }


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_CHUNK_ROWS=500, CURSUS_USE_CELERY=True)
def test_progress_is_visible_chunk_by_chunk(big):
    job = start(big, allow_errors=True)  # Celery: published once the request's transaction commits
    assert (job.status, job.rows_done) == (ImportJobStatus.QUEUED, 0)

    job = jobs.run(job.pk, max_chunks=1)
    assert (job.status, job.rows_done, job.percent) == (ImportJobStatus.RUNNING, 500, 17)
    assert Registration.objects.count() == 1 + 500 - 3  # sessions BIG-00 to BIG-04, no more
    assert set(Registration.objects.values_list("session__code", flat=True)) == {f"BIG-0{n}" for n in range(5)}

    job = jobs.run(job.pk, max_chunks=2)
    assert (job.status, job.rows_done) == (ImportJobStatus.RUNNING, 1500)
    job = jobs.run(job.pk)
    assert (job.status, job.rows_done, job.percent) == (ImportJobStatus.DONE, 3000, 100)
    assert len(jobs.report_rows(job)) == 3001
    assert jobs.run(job.pk).rows_done == 3000  # a redelivered message changes nothing
    assert Registration.objects.count() == 2998


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the failure comes from a SQLite trigger")
@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_CHUNK_ROWS=500)
def test_a_failed_chunk_fails_the_job_with_its_message_and_keeps_the_chunks_before(big):
    # A real database error in the third chunk (sessions BIG-10 to BIG-14): no stand-in for our code.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER cursus_test_refuse BEFORE INSERT ON cursus_xblock_registration "
            f"WHEN NEW.session_id = {big['sessions'][12].pk} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    try:
        job = start(big, allow_errors=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER cursus_test_refuse")
    assert job.status == ImportJobStatus.FAILED
    assert "disk full" in job.error
    assert job.rows_done == 1000
    assert Registration.objects.count() == 1 + 1000 - 3  # the first two chunks, whole
    assert not Registration.objects.filter(session__code__in=["BIG-10", "BIG-11"]).exists()
    report = jobs.report_rows(job)
    assert len(report) == 1 + 1000
    assert report[-1][:3] == ["1001", "p0999", "BIG-09"]

    # The cause gone, the command resumes it: the chunks that ran are not run again.
    out = io.StringIO()
    call_command("cursus_run_import_jobs", job=job.pk, stdout=out)
    job.refresh_from_db()
    assert f"Import job {job.pk}: done, 3000/3000 rows." in out.getvalue()
    assert (job.status, job.error, job.errors) == (ImportJobStatus.DONE, "", 2)
    assert Registration.objects.count() == 2998
    assert len(jobs.report_rows(job)) == 3001


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100)
def test_a_job_with_errors_applies_nothing_unless_asked(big):
    job = start(big)
    assert job.status == ImportJobStatus.FAILED
    assert job.error == "2 rows have errors: correct the file, or apply its valid rows only."
    assert (job.rows_done, job.errors) == (0, 2)
    assert Registration.objects.count() == 1
    assert len(jobs.report_rows(job)) == 3001  # the dry run's report, to correct the file


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100)
def test_a_dry_run_job_writes_nothing_but_its_report(big):
    job = start(big, dry_run=True)
    assert (job.status, job.rows_done, job.errors) == (ImportJobStatus.DONE, 3000, 2)
    assert Registration.objects.count() == 1
    assert ImportJob.objects.count() == 1


@override_settings(CURSUS_IMPORT_MAX_ROWS=2000, CURSUS_IMPORT_JOB_MAX_ROWS=2500)
def test_a_job_reads_more_rows_than_a_request_but_not_without_bound(big):
    with pytest.raises(imports.ImportFileError, match="more than 2000 rows"):
        imports.parse(big["content"])
    with pytest.raises(imports.ImportFileError, match="more than 2500 rows"):
        jobs.parse(ImportKind.REGISTRATIONS, big["content"], "hr.csv")


# --- the admin ---------------------------------------------------------------------------------

ADMIN_IMPORT = "admin:cursus_xblock_registration_import"


def admin_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_MAX_ROWS=2000)
def test_admin_a_large_file_is_dry_run_then_applied_as_jobs_followed_on_their_page(big):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = admin_client(big["manager"])
    # 3,000 rows: more than a request reads (2,000 here), not more than a job does.
    response = client.post(reverse(ADMIN_IMPORT), {"file": SimpleUploadedFile("hr.csv", big["content"])})
    dry = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cursus_xblock_registration_import_job", args=[dry.pk])
    assert (dry.dry_run, dry.status, dry.rows_done) == (True, ImportJobStatus.DONE, 3000)
    assert Registration.objects.count() == 1

    page = client.get(response["Location"]).content.decode()
    assert "Done: 3000 of 3000 rows." in page
    assert "data-cursus-job-status" not in page  # finished: nothing to follow
    assert "Unknown person: 1" in page
    assert "2500 more rows in the report (CSV)." in page
    assert "Apply the valid rows only (2 rows have errors and will be left out)." in page

    apply_url = reverse("admin:cursus_xblock_registration_import_job_apply", args=[dry.pk])
    response = client.post(apply_url, {"allow_errors": "on"})
    applied = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == reverse("admin:cursus_xblock_registration_import_job", args=[applied.pk])
    assert (applied.dry_run, applied.status, applied.allow_errors) == (False, ImportJobStatus.DONE, True)
    assert Registration.objects.count() == 2998

    report = client.get(reverse("admin:cursus_xblock_registration_import_job_report", args=[applied.pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert report["Content-Disposition"].startswith("attachment")
    assert len(text.splitlines()) == 3001


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_CHUNK_ROWS=500, CURSUS_USE_CELERY=True)
def test_admin_a_running_job_page_follows_its_progress_and_is_only_its_owners(big):
    from django.urls import reverse

    job = start(big, allow_errors=True)  # queued: the test's transaction never commits
    url = reverse("admin:cursus_xblock_registration_import_job", args=[job.pk])
    page = admin_client(big["manager"]).get(url).content.decode()
    status_url = reverse("admin:cursus_xblock_registration_import_job_status", args=[job.pk])
    assert f'<div role="status" data-cursus-job-status="{status_url}">' in page  # followed by import_job.js
    assert "Queued: 0 of 3000 rows." in page
    assert 'aria-label="Progress of the import"' in page
    jobs.run(job.pk, max_chunks=1)
    status = admin_client(big["manager"]).get(status_url).json()
    assert status == {"status": "running", "text": "In progress: 500 of 3000 rows.", "percent": 17, "finished": False}

    other = UserFactory(username="other.manager", is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="manage_registrations"))
    assert admin_client(other).get(url).status_code == 404
    assert admin_client(other).get(status_url).status_code == 404
    plain = UserFactory(username="plain.staff", is_staff=True)
    assert admin_client(plain).get(url).status_code == 403
    # A job that is not a finished dry run cannot be applied from its page.
    apply_url = reverse("admin:cursus_xblock_registration_import_job_apply", args=[job.pk])
    assert admin_client(big["manager"]).post(apply_url).status_code == 404
    assert ImportJob.objects.count() == 1


@override_settings(CURSUS_IMPORT_MAX_ROWS=2000)
def test_the_import_command_reads_a_file_larger_than_a_request_does(big, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(big["content"])
    out = io.StringIO()
    call_command("cursus_import_registrations", str(path), stdout=out)
    assert "Registered: 2399" in out.getvalue() and "Dry run: nothing was written." in out.getvalue()


@override_settings(CURSUS_BATCH_STALE_MINUTES=0)
def test_the_run_command_picks_up_a_job_nothing_runs(big):
    with override_settings(CURSUS_USE_CELERY=True, CURSUS_IMPORT_BACKGROUND_ROWS=100):
        job = start(big, allow_errors=True)  # its message lost: never published (no commit)
    out = io.StringIO()
    call_command("cursus_run_import_jobs", stdout=out)
    job.refresh_from_db()
    assert (job.status, job.rows_done) == (ImportJobStatus.DONE, 3000)
    call_command("cursus_run_import_jobs", stdout=out)
    assert out.getvalue().endswith("No import job to run.\n")


@override_settings(CURSUS_IMPORT_BACKGROUND_ROWS=100, CURSUS_IMPORT_CHUNK_ROWS=500, CURSUS_USE_CELERY=True)
def test_a_duplicate_delivery_leaves_a_live_run_alone_and_a_stale_one_is_taken_over(big, settings):
    job = start(big, allow_errors=True)
    jobs.run(job.pk, max_chunks=1)
    # Another run holds the job and made progress just now: a second delivery does nothing.
    ImportJob.objects.filter(pk=job.pk).update(run_token="another-run", progress_at=timezone.now())
    again = jobs.run(job.pk)
    assert again.busy and again.rows_done == 500 and Registration.objects.count() == 498
    # That run died (no progress for longer than CURSUS_BATCH_STALE_MINUTES): the next one takes over.
    settings.CURSUS_BATCH_STALE_MINUTES = 0
    job = jobs.run(job.pk)
    assert (job.status, job.rows_done, job.run_token) == (ImportJobStatus.DONE, 3000, "")
    assert Registration.objects.count() == 2998


@pytest.mark.parametrize("notify", [True, False])
def test_a_job_applied_without_notifying_tells_nobody(big, notify):
    """« Do not notify » travels with the job: a Celery worker has no request to read it from."""
    from cursus_xblock.models import Notification

    rows = imports.parse(big["content"], "big.csv")
    job = jobs.start(
        kind=ImportKind.REGISTRATIONS,
        content=big["content"],
        file_name="big.csv",
        rows_total=len(rows),
        actor=big["manager"],
        allow_errors=True,
        notify=notify,
    )
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE
    assert Registration.objects.count() > 2900
    assert Notification.objects.exists() is notify
