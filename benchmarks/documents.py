"""Certificates per second: the documents service vs. WeasyPrint alone; and a 200-certificate ZIP.

    python benchmarks/documents.py [--count 20] [--zip 200]   (--zip 0: no ZIP)

The service builds the placeholders, renders the template, makes the PDF (in a worker process, as
deployed, and in process), stores it and records it; the baseline lays out the very same final
HTML with WeasyPrint directly, with the same CSS, bundled fonts, URL fetcher and options. The
sides run in turn, warmed; the goal is a median pairwise ratio service / WeasyPrint ≤ 1.25.
The ZIP batch (as the admin and the Celery task build it) of --zip certificates, one PDF at a time
against one per core, in turn: goal ≥ 1.8× on 2 cores. Then its peak memory at 50 and at --zip
documents: the resident peak of the caller and of the busiest worker process must not grow (≤ 1.2×).
"""

import argparse
import statistics
import sys
import tempfile
import tracemalloc

from harness import paired, ratio_line, test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="rounds")
    parser.add_argument("--zip", type=int, default=200, help="certificates in the ZIP batch (0: no ZIP)")
    parser.add_argument("--zip-pairs", type=int, default=2, help="ZIP batches in turn, each way")
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
        return document.write_pdf(stylesheets=stylesheets, font_config=font_config, **render.pdf_options())

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
    sides = {"worker": service_worker, "raw": weasyprint_alone, "in process": service_in_process}
    times = paired(sides, rounds, warm=0)
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
    print(ratio_line("service (worker) / WeasyPrint", times["worker"], times["raw"], at_most=1.25))
    print(ratio_line("service (in process) / WeasyPrint", times["in process"], times["raw"]))
    print(ratio_line("worker / in process (worker's cost)", times["worker"], times["in process"]))

    if args.zip:
        zip_batches(args, kind)


def peak_rss_kb(pid="self"):
    """The process's peak resident memory (VmHWM), in kB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    """Start this process's peak resident memory again from now (Linux ≥ 4.0)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def zip_batches(args, kind):
    """A session's ZIP as a batch builds it: one PDF at a time against one per core, in turn; then memory."""
    import os

    from django.test import override_settings

    from cursus_xblock.documents import pdf_worker
    from cursus_xblock.models import BatchStatus
    from cursus_xblock.services import documents
    from cursus_xblock.services.documents.batches import batch_parallel_renders

    def batch_of(size, parallel):
        session, _ = started_session(size)
        with override_settings(CURSUS_USE_CELERY=False, CURSUS_BATCH_PARALLEL_RENDERS=parallel):
            batch = documents.batch_start(session=session, kind=kind)
        assert (batch.status, batch.issued) == (BatchStatus.DONE, size), (batch.status, batch.issued, batch.error)
        return batch

    cores = os.cpu_count()
    batch_of(4, 1), batch_of(4, None)  # warm: as many workers started as the parallel side uses
    times = paired(
        {"one at a time": lambda i: batch_of(args.zip, 1), "parallel": lambda i: batch_of(args.zip, None)},
        args.zip_pairs,
    )
    one, par = statistics.median(times["one at a time"]), statistics.median(times["parallel"])
    print(f"ZIP batch of {args.zip} certificates — {cores} cores, {args.zip_pairs} pairs in turn after a warm-up")
    print(
        f"  one PDF at a time (CURSUS_BATCH_PARALLEL_RENDERS=1)  median {one:7.1f} s  {args.zip / one:5.1f} documents/s"
    )
    print(
        f"  {batch_parallel_renders()} PDFs at once (the default, one per core)        median {par:7.1f} s"
        f"  {args.zip / par:5.1f} documents/s"
    )
    print(ratio_line("speed-up: one at a time / parallel", times["one at a time"], times["parallel"], at_least=1.8))

    peaks = {}
    for size in (50, args.zip):
        pdf_worker.stop_all()  # fresh workers: their peak is this batch's
        reset_peak_rss()
        tracemalloc.start()
        batch = batch_of(size, None)
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        workers = [peak_rss_kb(w.process.pid) for w in pdf_worker._idle if w.alive]
        peaks[size] = (peak_rss_kb(), max(workers or [0]), python_peak)
        print(
            f"  ZIP of {size:4d}: {batch.file.size / 1e6:6.1f} MB; peak RSS caller {peaks[size][0] / 1e3:6.1f} MB,"
            f" busiest worker {peaks[size][1] / 1e3:6.1f} MB ({len(workers)} workers); peak Python memory"
            f" {python_peak / 1e6:5.1f} MB"
        )
    small, large = peaks[50], peaks[args.zip]
    for label, index in (("caller", 0), ("worker", 1)):
        ratio = large[index] / small[index] if small[index] else float("nan")
        print(
            f"  peak RSS of the {label}, {args.zip} / 50 documents: {ratio:5.2f}"
            f"   goal ≤ 1.2 (flat in N): {'met' if ratio <= 1.2 else 'NOT met'}"
        )
    pdf_worker.stop_all()


if __name__ == "__main__":
    main()
