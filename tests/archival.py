"""Every PDF the tests issue is checked with ``qpdf --check`` (issue 16, item 6: archival documents).

A receiver keeps the bytes of each issued document as it is recorded; after the test, qpdf reads
them all. qpdf is a Debian package (scripts/system-deps.sh installs it): run by hand without it the
check is left out with a warning, under ``CI=true`` its absence fails the test.
"""

import shutil
import subprocess
import tempfile
import warnings

from django.db.models.signals import post_save

QPDF = shutil.which("qpdf")


def qpdf_problems(content):
    """What ``qpdf --check`` says is wrong with this PDF, or "" (exit 0, or 3: warnings only)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        result = subprocess.run([QPDF, "--check", handle.name], capture_output=True, text=True, check=False)  # noqa: S603
    return "" if result.returncode == 0 else f"exit {result.returncode}: {result.stdout}{result.stderr}"


class IssuedFiles:
    """The issued documents' bytes, collected while a test runs."""

    def __init__(self):
        self.files = []

    def __call__(self, sender, instance, created, **kwargs):
        if created and instance.file:
            with instance.file.open("rb") as handle:
                self.files.append((instance.filename, handle.read()))

    def __enter__(self):
        from cursus_xblock.models import IssuedDocument

        post_save.connect(self, sender=IssuedDocument, dispatch_uid="tests-archival", weak=False)
        return self

    def __exit__(self, *exc):
        from cursus_xblock.models import IssuedDocument

        post_save.disconnect(sender=IssuedDocument, dispatch_uid="tests-archival")

    def problems(self, in_ci):
        if not self.files:
            return []
        if QPDF is None:
            if in_ci:
                return ["CI=true and qpdf is missing (scripts/system-deps.sh installs it)"]
            warnings.warn("qpdf is missing: the issued PDFs were not checked", stacklevel=1)
            return []
        return [f"{name}: {problem}" for name, content in self.files if (problem := qpdf_problems(content))]
