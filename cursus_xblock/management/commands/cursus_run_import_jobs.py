"""``manage.py lms cursus_run_import_jobs``: run the import jobs nothing is running, or resume one.

With Celery, workers run the jobs; this picks up those whose message was lost or whose worker died
(no progress for ``CURSUS_BATCH_STALE_MINUTES``). Without Celery, jobs run in the request that
made them, so this only matters after a crash. Safe to run from cron beside the workers: a job's
chunks that ran are skipped, and a chunk another run is doing stops this one.
"""

from django.core.management.base import BaseCommand, CommandError

from ...models import ImportJob
from ...services.imports import jobs


class Command(BaseCommand):
    help = "Run the import jobs left queued or stopped; --job ID resumes one (a failed one included)."

    def add_arguments(self, parser):
        parser.add_argument("--job", type=int, help="Resume this job: its chunks that ran are skipped.")

    def handle(self, *args, job=None, **options):
        if job is not None:
            if not ImportJob.objects.filter(pk=job).exists():
                raise CommandError(f"No import job {job}.")
            todo = [job]
        else:
            todo = [found.pk for found in jobs.runnable()]
        for pk in todo:
            done = jobs.resume(pk)
            self.stdout.write(f"Import job {pk}: {done.status}, {done.rows_done}/{done.rows_total} rows. {done.error}")
        if not todo:
            self.stdout.write("No import job to run.")
