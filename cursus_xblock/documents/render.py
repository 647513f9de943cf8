"""HTML (already rendered by the document templates) to PDF bytes, with WeasyPrint.

WeasyPrint is imported on first use, so the app imports and runs without it (or without the
Pango libraries it loads); rendering then raises ``RendererUnavailable``.

Templates are written by administrators, so what a document may load is closed: ``data:`` URLs
and files inside ``cursus_xblock/static/``, nothing else (no network, no other file). A refused
resource is logged on the ``cursus_xblock.documents`` logger and left out: the document renders
without it. Relative URLs resolve against ``STATIC_BASE_URL``, the ``static/`` folder, like the
names given to ``{% static %}``: ``<img src="cursus_xblock/img/logo.png">``.

The bundled DejaVu fonts (``static/cursus_xblock/fonts``) are declared as "Cursus Sans" and
"Cursus Serif" and "Cursus Sans" is the default family, so a PDF looks the same on every machine.
"""

import atexit
import contextlib
import functools
import logging
import mimetypes
import re
import threading
import weakref
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, OpenerDirector, url2pathname

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

logger = logging.getLogger("cursus_xblock.documents")

#: The only folder whose files a document may load (fonts, images, stylesheets).
STATIC_DIR = (Path(__file__).resolve().parent.parent / "static").resolve()
#: Base URL of every document and stylesheet: relative URLs are paths inside ``STATIC_DIR``.
STATIC_BASE_URL = STATIC_DIR.as_uri() + "/"
#: The bundled fonts, relative to ``STATIC_DIR``.
FONTS_DIR = "cursus_xblock/fonts"

#: Debian packages of the libraries WeasyPrint loads when it is imported.
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"

_FACES = (
    ("Cursus Sans", "DejaVuSans.ttf", "normal", "normal"),
    ("Cursus Sans", "DejaVuSans-Bold.ttf", "bold", "normal"),
    ("Cursus Sans", "DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("Cursus Serif", "DejaVuSerif.ttf", "normal", "normal"),
    ("Cursus Serif", "DejaVuSerif-Bold.ttf", "bold", "normal"),
)

#: ``@font-face`` rules of the bundled fonts (DejaVu, see ``fonts/LICENSE-DejaVu.txt``).
FONT_FACES_CSS = "".join(
    f'@font-face {{ font-family: "{family}"; src: url("{FONTS_DIR}/{filename}"); '
    f"font-weight: {weight}; font-style: {style}; }}\n"
    for family, filename, weight, style in _FACES
)

#: The stylesheet under every document: the fonts, and "Cursus Sans" as the default family. It is
#: a user stylesheet, so a template's own styles (and the ``css`` given to ``render_pdf``) win.
BASE_CSS = FONT_FACES_CSS + 'html { font-family: "Cursus Sans", sans-serif; }\n'

_LOGGED_URL_LENGTH = 200


class RendererUnavailable(ImproperlyConfigured):
    """WeasyPrint, or the system libraries it needs, is not installed."""


def _weasyprint():
    """The ``weasyprint`` module, imported on first use."""
    try:
        import weasyprint
    except OSError as exc:  # cffi could not load Pango, HarfBuzz or Fontconfig
        raise RendererUnavailable(
            f"WeasyPrint cannot load its system libraries ({exc}). On Debian or Ubuntu, install them "
            f"with: apt-get install {SYSTEM_PACKAGES}"
        ) from exc
    except ImportError as exc:
        raise RendererUnavailable(
            f"WeasyPrint is not installed ({exc}): pip install 'weasyprint>=66.0', and on Debian or Ubuntu "
            f"apt-get install {SYSTEM_PACKAGES}"
        ) from exc
    return weasyprint


def static_path(url):
    """The file inside ``STATIC_DIR`` that the ``file:`` URL ``url`` names, or ``None``.

    The path is resolved first (``..``, symbolic links), so nothing outside the folder passes, and
    it must be a regular file (not a folder, a device or a pipe).
    """
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
    except (ValueError, OSError):  # malformed URL, NUL byte, missing file, symlink loop …
        return None
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        return None
    return path


class RefusedURL(ValueError):
    """A document asked for a resource it may not load."""


def _refuse(url, reason):
    shown = url if len(url) <= _LOGGED_URL_LENGTH else url[:_LOGGED_URL_LENGTH] + "…"
    logger.warning("Document resource refused (%s): %r", reason, shown)
    raise RefusedURL(f"{reason}: {shown}")


def _scheme(url):
    return url.split(":", 1)[0].lower() if ":" in url else ""


def _static_file(url):
    """``(path, content type)`` of a ``file:`` URL inside ``STATIC_DIR``; refuses anything else."""
    if _scheme(url) != "file":
        _refuse(url, "only data: URLs and files of the app's static folder are allowed")
    path = static_path(url)
    if path is None:
        _refuse(url, "not an existing file inside the app's static folder")
    return path, mimetypes.guess_type(path.name)[0] or "application/octet-stream"


#: Opens ``data:`` URLs and nothing else: no HTTP handler, so no request and no redirect.
_DATA_OPENER = OpenerDirector()
_DATA_OPENER.add_handler(DataHandler())


def _legacy_fetcher(url):
    """The fetcher for WeasyPrint before 68, where a fetcher is a function returning a dict.

    The LMS pins tinycss2 1.4.0, which only WeasyPrint 66 and 67 accept, so this is the fetcher
    that runs in Open edX today. Same rules as ``StaticOnlyURLFetcher``; an exception (the
    ``RefusedURL``) makes WeasyPrint log the resource and leave it out.
    """
    if _scheme(url) == "data":
        with _DATA_OPENER.open(url) as response:
            return {
                "string": response.read(),
                "mime_type": response.headers.get_content_type(),
                "encoding": response.headers.get_param("charset"),
                "redirected_url": url,
            }
    path, content_type = _static_file(url)
    # The resolved path as URL: relative URLs inside a stylesheet resolve against it.
    return {"string": path.read_bytes(), "mime_type": content_type, "redirected_url": path.as_uri(), "path": str(path)}


@functools.cache
def _fetcher_class():
    """``StaticOnlyURLFetcher`` on WeasyPrint 68 and later (``URLFetcher`` class), else ``None``."""
    urls = _weasyprint().urls
    if not hasattr(urls, "URLFetcher"):
        return None

    class StaticOnlyURLFetcher(urls.URLFetcher):
        """Serves ``data:`` URLs and files inside ``STATIC_DIR``; refuses and logs everything else.

        A refusal is a ``RefusedURL`` (a ``ValueError``): WeasyPrint leaves the resource out and
        goes on.
        """

        def __init__(self):
            # The parent's opener only ever sees data: URLs, and never follows a redirect.
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            if _scheme(url) == "data":
                return super().fetch(url)
            path, content_type = _static_file(url)
            # The resolved path as URL: WeasyPrint may read the file again from response.path.
            return urls.URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyURLFetcher


def make_url_fetcher():
    """A WeasyPrint URL fetcher that serves only ``data:`` URLs and files inside ``STATIC_DIR``.

    Whichever form the installed WeasyPrint takes: a ``URLFetcher`` instance (68 and later) or a
    plain function (66 and 67, the versions that accept the LMS's tinycss2).
    """
    fetcher_class = _fetcher_class()
    return _legacy_fetcher if fetcher_class is None else fetcher_class()


# Per thread: a FontConfiguration wraps a Pango font map, which is not meant to be shared by
# threads rendering at the same time. Building it and loading the fonts takes a while.
_local = threading.local()


@atexit.register
def _forget_base_stylesheet():
    # While the interpreter still works: FontConfiguration.__del__ removes its temporary folder.
    _local.__dict__.pop("base", None)


def _base_stylesheet():
    """``(url_fetcher, font_configuration, base CSS)`` of this thread, built on first use."""
    base = getattr(_local, "base", None)
    if base is None:
        weasyprint = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        fetcher = make_url_fetcher()
        font_config = FontConfiguration()
        css = weasyprint.CSS(string=BASE_CSS, base_url=STATIC_BASE_URL, url_fetcher=fetcher, font_config=font_config)
        base = _local.base = (fetcher, font_config, css)
    return base


_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_LANG = re.compile(r"\blang\s*=", re.IGNORECASE)


def with_language(html, language):
    """``html`` whose root says its language: a screen reader needs it to read the tagged PDF aloud.

    A template written as a fragment gets an ``<html lang>`` around it; a root without ``lang``
    gets one; a root with its own is left alone.
    """
    if not language:
        return html
    match = _HTML_TAG.search(html)
    if match is None:
        return f'<!DOCTYPE html><html lang="{escape(language)}"><body>{html}</body></html>'
    if _LANG.search(match.group(0)):
        return html
    tag = match.group(0)[:-1] + f' lang="{escape(language)}">'
    return html[: match.start()] + tag + html[match.end() :]


def render_pdf(html: str, *, css: str = "", language: str = "") -> bytes:
    """The PDF of ``html`` (a complete document), styled by ``BASE_CSS`` then ``css``.

    ``language``: the template's (else the active one), given to the root element when the HTML does
    not say (``with_language``).

    Resources are loaded by ``make_url_fetcher()``; refused ones are logged and left out. The same
    HTML gives the same bytes (no creation date unless the HTML has ``<meta name="dcterms.created">``).
    Raises ``RendererUnavailable`` when WeasyPrint or its libraries are missing.

    Made within ``CURSUS_RENDER_TIMEOUT`` seconds by a worker process (``pdf_worker``), killed
    when it overruns: then ``TemplateLimitExceeded`` says the template took too long. With the
    setting at 0, made here by ``render_pdf_here``, without a time limit. Inside
    ``RenderPlan.ahead()`` it is made in the background (a ``PendingPdf``).
    """
    html = with_language(html, language or translation.get_language())
    plan = getattr(_ahead, "plan", None)
    if plan is not None:
        return plan.render(html, css)
    return _render_pdf_now(html, css)


def _render_pdf_now(html, css):
    _weasyprint()  # a missing WeasyPrint is reported by the caller's process
    from ..conf import settings

    if not settings.RENDER_TIMEOUT:
        return render_pdf_here(html, css=css)
    from . import pdf_worker

    return pdf_worker.render(html, css, options=pdf_options())


class PendingPdf(bytes):
    """What ``render_pdf`` returns inside ``RenderPlan.ahead()``: a PDF being made; ``future`` gives it."""

    future = None


_ahead = threading.local()


class RenderPlan:
    """PDFs made ahead of their document, ``parallel`` at a time by worker processes.

    WeasyPrint holds the interpreter lock, but each PDF is made by its own worker process
    (``pdf_worker``), so PDFs asked for from several threads of one caller are made on several
    cores. The caller keeps its database work in its own thread: it has the next documents
    generated ahead (``ahead()``: ``render_pdf`` hands the HTML to the pool and returns a
    ``PendingPdf`` at once), then records them one by one, each with its PDF once made (an
    exception of the renderer, "took too long" included, is raised by ``future.result()``).
    Outside ``ahead()`` PDFs are made then and there, as without a plan.
    """

    def __init__(self, executor, parallel):
        self.executor, self.parallel = executor, parallel
        self.futures = weakref.WeakSet()  # only those still held: a PDF used is let go
        self.collecting = False

    @contextlib.contextmanager
    def ahead(self):
        self.collecting = True
        try:
            yield
        finally:
            self.collecting = False

    def render(self, html, css):
        if not self.collecting:
            return _render_pdf_now(html, css)
        pending = PendingPdf()
        pending.future = self.executor.submit(_render_pdf_now, html, css)
        self.futures.add(pending.future)
        return pending


@contextlib.contextmanager
def rendering_ahead(parallel):
    """A ``RenderPlan`` for this thread making up to ``parallel`` PDFs at a time; its pool stopped after."""
    from concurrent.futures import ThreadPoolExecutor

    from . import pdf_worker

    previous = getattr(_ahead, "plan", None)
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="cursus-pdf") as executor:
        plan = _ahead.plan = RenderPlan(executor, parallel)
        try:
            with pdf_worker.kept_idle(parallel):
                yield plan
        finally:
            _ahead.plan = previous
            for future in list(plan.futures):  # made ahead, never used (the batch stopped): not waited for
                future.cancel()


def render_pdf_here(html: str, *, css: str = "", options=None) -> bytes:
    """``render_pdf`` in this process and thread, however long it takes (what a worker runs).

    ``options``: ``pdf_options()``, read from the settings by the caller when this runs in a worker.
    """
    weasyprint = _weasyprint()
    fetcher, font_config, base_css = _base_stylesheet()
    stylesheets = [base_css]
    if css:
        # Its @font-face rules join the thread's font configuration (once per distinct rule).
        stylesheets.append(
            weasyprint.CSS(string=css, base_url=STATIC_BASE_URL, url_fetcher=fetcher, font_config=font_config)
        )
    document = weasyprint.HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config, **(options or pdf_options()))


def pdf_options():
    """What WeasyPrint is asked for besides the layout: archival PDF/A (``CURSUS_PDF_VARIANT``), tagged.

    An attendance certificate is kept for years and read by auditors and by screen readers: PDF/A
    embeds its fonts and colour profile and declares itself in XMP metadata; the tags give it a
    structure and reading order. Both cost a few milliseconds a document. The benchmark's raw
    WeasyPrint side asks for the same.
    """
    from ..conf import settings

    return {"presentational_hints": True, "pdf_variant": settings.PDF_VARIANT or None, "pdf_tags": True}


def qr_code_data_uri(text: str) -> str:
    """A QR code of ``text`` (a verification URL) as an SVG ``data:`` URI, for ``<img src=…>``.

    Vector, so sharp at any size: give the ``<img>`` a CSS width. Error correction M or better.
    """
    try:
        import segno
    except ImportError as exc:
        raise RendererUnavailable(f"segno is not installed ({exc}): pip install segno") from exc
    return segno.make_qr(text, error="m").svg_data_uri(border=4)
