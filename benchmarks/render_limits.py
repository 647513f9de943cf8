"""What the rendering limits cost a normal certificate: PDF in a worker process vs. in the server.

    python benchmarks/render_limits.py [--pairs 30]

The shipped default certificate, rendered with sample data, is made into the same PDF in this
process (``CURSUS_RENDER_TIMEOUT = 0``) and by a warm worker process (the default), in turn
(here, worker, here, worker … after a warm-up pair): the ratio is the price of being able to
stop WeasyPrint. Goal ≤ 1.15. The worker's cold start (a new interpreter importing WeasyPrint and
rendering its first page) is paid once per server process and after a worker was killed: printed.
The template engine with its budget (size and loop counters) against without, in turn: goal ≤ 1.25.
"""

import argparse
import time

from harness import median_ms, paired, ratio_line, test_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    args = parser.parse_args()
    with test_database():
        run(args.pairs)


def run(pairs):
    from django.test import override_settings

    from cursus_xblock.documents import pdf_worker, templating
    from cursus_xblock.documents.placeholders import sample_context
    from cursus_xblock.documents.render import render_pdf
    from cursus_xblock.models import DocumentKind
    from cursus_xblock.services.documents import default_template

    template = default_template(DocumentKind.SESSION_CERTIFICATE, "fr")
    context = sample_context(template.kind, "fr")
    html = templating.render_template(template.body, context)

    def here(i):
        with override_settings(CURSUS_RENDER_TIMEOUT=0):
            render_pdf(html, css=template.css)

    def worker(i):
        render_pdf(html, css=template.css)

    pdf_worker.stop_all()
    start = time.perf_counter()
    worker(0)
    cold = (time.perf_counter() - start) * 1000
    pdf = paired({"here": here, "worker": worker}, pairs)

    unbounded = templating.RenderBudget(max_size=10**12, max_iterations=10**12)
    engine = paired(
        {
            "budget": lambda i: templating.render_template(template.body, context),
            "none": lambda i: templating.render_template(template.body, context, budget=unbounded),
        },
        pairs,
    )
    pdf_worker.stop_all()

    print(f"Render limits benchmark — default certificate, {len(html):,} characters of HTML, {pairs} pairs in turn")
    print(f"  PDF in this process      median {median_ms(pdf['here']):8.1f} ms")
    print(f"  PDF in a warm worker     median {median_ms(pdf['worker']):8.1f} ms")
    print(f"  PDF, worker cold start          {cold:8.1f} ms  (once per process, and after a kill)")
    print(f"  template engine, budget  median {median_ms(engine['budget']):8.2f} ms")
    print(f"  template engine, none    median {median_ms(engine['none']):8.2f} ms")
    print(ratio_line("PDF: warm worker / in process", pdf["worker"], pdf["here"], at_most=1.15))
    print(ratio_line("template engine: budget / none", engine["budget"], engine["none"], at_most=1.25))


if __name__ == "__main__":
    main()
