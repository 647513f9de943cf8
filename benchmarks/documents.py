"""Certificates per second: the documents service vs. WeasyPrint alone; and a 200-certificate ZIP.

    python benchmarks/documents.py [--count 40] [--zip 200]

The service builds the placeholders, renders the template, makes the PDF, stores it and records
it; the baseline renders the very same final HTML with WeasyPrint directly (fonts included). The
goal is a ratio ≤ 1.25. The ZIP is measured for 50 and for 200 learners: peak Python memory must
not grow with the number of documents (PDFs are streamed into the archive).
"""

import argparse
import sys
import tempfile
import time
import tracemalloc

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--zip", type=int, default=200)
    args = parser.parse_args()

    with test_database():
        from django.conf import settings

        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="cursus-bench-media-")
        run(args)


def started_session(learners):
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cursus_xblock.models import Role
    from cursus_xblock.services import registration as registration_service
    from tests.factories import SessionFactory

    now = timezone.now()
    session = SessionFactory(start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(days=1))
    user_model = get_user_model()
    users = [
        user_model(username=f"{session.code}-{i}", first_name="Éloïse", last_name=f"Lefèvre {i}")
        for i in range(learners)
    ]
    user_model.objects.bulk_create(users)
    users = list(user_model.objects.filter(username__startswith=f"{session.code}-"))
    outcomes = registration_service.register_users(session=session, users=users, role=Role.LEARNER)
    return session, [o.registration for o in outcomes]


def run(args):
    from weasyprint import CSS, HTML

    from cursus_xblock.documents import render
    from cursus_xblock.documents.registry import get_generator
    from cursus_xblock.documents.templating import render_template
    from cursus_xblock.models import DocumentKind
    from cursus_xblock.services import documents

    kind = DocumentKind.SESSION_CERTIFICATE
    template = documents.default_template(kind, "fr")
    if template is None:
        sys.exit("No default certificate template: run the migrations that install them.")
    version = template.current_version
    session, registrations = started_session(args.count)
    documents.issue(kind=kind, registration=registrations[0])  # warm up imports and caches

    start = time.perf_counter()
    for registration in registrations:
        documents.issue(kind=kind, registration=registration)
    service_s = time.perf_counter() - start

    generator = get_generator(kind)
    pages = [
        render_template(
            version.body,
            generator.context(
                registration=r,
                template_version=version,
                verification_url="https://x/verify/CODE/",
                verification_code="CODE",
            ),
        )
        for r in registrations
    ]
    start = time.perf_counter()
    for html in pages:
        HTML(string=html, base_url=render.STATIC_BASE_URL).write_pdf(
            stylesheets=[CSS(string=render.BASE_CSS + version.css, base_url=render.STATIC_BASE_URL)]
        )
    direct_s = time.perf_counter() - start

    n = len(registrations)
    print(f"Documents benchmark — {n} certificates ({template.name}), SQLite, local storage")
    print(f"  WeasyPrint alone, same HTML   {direct_s:7.2f} s  {n / direct_s:6.1f} documents/s")
    print(f"  documents.issue (the service) {service_s:7.2f} s  {n / service_s:6.1f} documents/s")
    print(f"  ratio service / WeasyPrint    {service_s / direct_s:7.2f}   (goal ≤ 1.25)")

    for size in (50, args.zip):
        session, _ = started_session(size)
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            result = documents.issue_zip(session=session, kind=kind, out=out)
            elapsed = time.perf_counter() - start
            zip_size = out.tell()
        session, _ = started_session(size)
        tracemalloc.start()
        with tempfile.TemporaryFile() as out:
            documents.issue_zip(session=session, kind=kind, out=out)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"  ZIP of {result.issued:3d} certificates      {elapsed:7.2f} s"
            f"  {result.issued / elapsed:6.1f} documents/s"
            f"  {zip_size / 1e6:5.1f} MB  peak Python memory {peak / 1e6:5.1f} MB"
        )


if __name__ == "__main__":
    main()
