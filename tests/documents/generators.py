"""A host's document generator, registered through ``CURSUS_DOCUMENT_GENERATORS`` by the tests."""

from cursus_xblock.documents.generators import SessionCertificateGenerator


class CrashingCertificateGenerator(SessionCertificateGenerator):
    """The built-in certificate, except that rendering fails for learners named « Crash », as
    WeasyPrint does on one person's corrupt picture or a font it cannot read."""

    def generate(self, *, registration, **kwargs):
        if registration.user.last_name == "Crash":
            raise RuntimeError("WeasyPrint could not lay out this document")
        return super().generate(registration=registration, **kwargs)


CRASHING = {"session_certificate": "tests.documents.generators.CrashingCertificateGenerator"}
