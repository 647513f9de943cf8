"""Certificates per second: the documents service vs. WeasyPrint alone; and a 200-certificate ZIP.

    python benchmarks/documents.py [--count 20] [--zip 200]   (--zip 0: no ZIP)

The service builds the placeholders, renders the template, makes the PDF (in a worker process, as
deployed, and in process), stores it and records it; the baseline lays out the very same final
HTML with WeasyPrint directly, with the same CSS, bundled fonts, URL fetcher and options. The
sides run in turn, warmed; the goal is a median pairwise ratio service / WeasyPrint ≤ 1.25.
The ZIP is measured for 50 and for 200 learners: peak Python memory must
not grow with the number of documents (PDFs are streamed into the archive).
"""

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="rounds")
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


def paired(sides, rounds):
    """Each side once per round, in turn (A B C A B C …): {name: [seconds per round]}."""
    times = {name: [] for name in sides}
    for i in range(rounds):
        for name, work in sides.items():
            start = time.perf_counter()
            work(i)
            times[name].append(time.perf_counter() - start)
    return times


def ratio_line(label, numerators, denominators, goal=None):
    ratios = sorted(a / b for a, b in zip(numerators, denominators, strict=True))
    line = f"  {label:<34} median {statistics.median(ratios):5.2f}  min–max {ratios[0]:5.2f}–{ratios[-1]:5.2f}"
    if goal is not None:
        verdict = "met" if statistics.median(ratios) <= goal else "NOT met"
        line += f"   goal ≤ {goal}: {verdict}"
    return line


def run(args):
    from django.test import override_settings
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from cursus_xblock.documents import pdf_worker, render
    from cursus_xblock.models import DocumentKind
    from cursus_xblock.services import documents

    kind = DocumentKind.SESSION_CERTIFICATE
    template = documents.default_template(kind, "fr")
    if template is None:
        sys.exit("No default certificate template: run the migrations that install them.")
    css = template.current_version.css

    # The final HTML of each certificate, as the service hands it to the renderer: the baseline
    # lays out exactly these pages.
    pages, sizes = [], {"service": [], "raw": []}
    real_render_pdf = render.render_pdf

    def recording_render_pdf(html, *, css=""):
        pages.append(html)
        pdf = real_render_pdf(html, css=css)
        sizes["service"].append(len(pdf))
        return pdf

    render.render_pdf = recording_render_pdf

    # WeasyPrint alone, doing what the service asks of it: the bundled fonts in one font
    # configuration, the base stylesheet parsed once, the template's CSS per document, the same
    # URL fetcher (static files and data: URLs only) and the same options.
    fetcher = render.make_url_fetcher()
    font_config = FontConfiguration()
    base_css = CSS(
        string=render.BASE_CSS, base_url=render.STATIC_BASE_URL, url_fetcher=fetcher, font_config=font_config
    )

    def raw(html):
        stylesheets = [base_css]
        if css:
            stylesheets.append(
                CSS(string=css, base_url=render.STATIC_BASE_URL, url_fetcher=fetcher, font_config=font_config)
            )
        document = HTML(string=html, base_url=render.STATIC_BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=stylesheets, font_config=font_config, presentational_hints=True)

    rounds = args.count
    session, registrations = started_session(3 * rounds + 2)
    todo = iter(registrations)

    def service_worker(i):
        documents.issue(kind=kind, registration=next(todo))

    def service_in_process(i):
        with override_settings(CURSUS_RENDER_TIMEOUT=0):
            documents.issue(kind=kind, registration=next(todo))

    def weasyprint_alone(i):
        sizes["raw"].append(len(raw(pages[-1])))

    service_worker(0)  # warm up: a worker started, imports, fonts, caches
    service_in_process(0)
    weasyprint_alone(0)
    sizes["raw"].clear()
    sizes["service"].clear()
    times = paired({"worker": service_worker, "raw": weasyprint_alone, "in process": service_in_process}, rounds)
    render.render_pdf = real_render_pdf
    pdf_worker.stop_all()

    med = {name: statistics.median(t) * 1000 for name, t in times.items()}
    print(f"Documents benchmark — {rounds} rounds (service with worker, WeasyPrint alone, service in process)")
    print(f"  certificate « {template.name} », SQLite, local storage; sides in turn, warmed")
    print(f"  WeasyPrint alone, same HTML, CSS, fonts, fetcher, options   median {med['raw']:6.0f} ms")
    print(f"  documents.issue, PDF by a worker (as deployed)            median {med['worker']:6.0f} ms")
    print(f"  documents.issue, PDF in process (CURSUS_RENDER_TIMEOUT=0) median {med['in process']:6.0f} ms")
    print(
        f"  mean PDF size: service {statistics.mean(sizes['service']) / 1e3:.1f} kB,"
        f" WeasyPrint alone {statistics.mean(sizes['raw']) / 1e3:.1f} kB"
    )
    print(ratio_line("service (worker) / WeasyPrint", times["worker"], times["raw"], goal=1.25))
    print(ratio_line("service (in process) / WeasyPrint", times["in process"], times["raw"]))
    print(ratio_line("worker / in process (worker's cost)", times["worker"], times["in process"]))

    for size in (50, args.zip) if args.zip else ():
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
