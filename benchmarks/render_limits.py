"""What the rendering limits cost a normal certificate: PDF in a worker process vs. in the server.

    python benchmarks/render_limits.py [--count 30]

The shipped default certificate, rendered with sample data, is made into a PDF ``count`` times
in this process (``CURSUS_RENDER_TIMEOUT = 0``) and ``count`` times by a warm worker (the
default): the difference is the price of being able to stop WeasyPrint. The worker's cold start
(a new interpreter importing WeasyPrint and rendering its first page) is paid once per server
process and after a worker was killed. The template engine's budget is measured the same way.
"""

import argparse
import statistics
import time

from harness import test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    args = parser.parse_args()
    with test_database():
        run(args.count)


def _median_ms(work, count):
    times = []
    for _ in range(count):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(count):
    from django.test import override_settings

    from cursus_xblock.documents import pdf_worker, templating
    from cursus_xblock.documents.placeholders import sample_context
    from cursus_xblock.documents.render import render_pdf
    from cursus_xblock.models import DocumentKind
    from cursus_xblock.services.documents import default_template

    template = default_template(DocumentKind.SESSION_CERTIFICATE, "fr")
    context = sample_context(template.kind, "fr")
    html = templating.render_template(template.body, context)

    with override_settings(CURSUS_RENDER_TIMEOUT=0):
        render_pdf(html, css=template.css)  # fonts loaded
        here = _median_ms(lambda: render_pdf(html, css=template.css), count)
        engine_unbounded = _median_ms(
            lambda: templating.render_template(
                template.body, context, budget=templating.RenderBudget(max_size=10**12, max_iterations=10**12)
            ),
            count,
        )
    pdf_worker.stop_all()
    start = time.perf_counter()
    render_pdf(html, css=template.css)
    cold = (time.perf_counter() - start) * 1000
    warm = _median_ms(lambda: render_pdf(html, css=template.css), count)
    engine = _median_ms(lambda: templating.render_template(template.body, context), count)

    print(f"default certificate, {len(html):,} characters of HTML, median of {count}")
    print(f"  PDF in this process      {here:8.1f} ms")
    print(f"  PDF in a warm worker     {warm:8.1f} ms  (+{warm - here:.1f} ms, {warm / here - 1:+.0%})")
    print(f"  PDF, worker cold start   {cold:8.1f} ms  (once per process, and after a kill)")
    print(f"  template engine, budget  {engine:8.2f} ms  (without: {engine_unbounded:.2f} ms)")


if __name__ == "__main__":
    main()
