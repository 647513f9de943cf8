"""HTML to PDF: text and bundled fonts in the output, and a URL fetcher that loads nothing else."""

import base64
import builtins
import http.server
import io
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin
from xml.etree import ElementTree

import pypdf
import pytest
from django.core.exceptions import ImproperlyConfigured
from fontTools.ttLib import TTFont

from cursus_xblock.documents import render
from cursus_xblock.documents.render import (
    STATIC_BASE_URL,
    STATIC_DIR,
    RefusedURL,
    RendererUnavailable,
    make_url_fetcher,
    qr_code_data_uri,
    render_pdf,
    static_path,
)

ROOT = Path(__file__).resolve().parent.parent.parent
TITLE = "Éloïse Lefèvre — Attestation"
FONT = "cursus_xblock/fonts/DejaVuSerif-Bold.ttf"
# A 1×1 red PNG.
PNG_DATA_URI = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
            "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
        )
    ).decode()
)


def page(pdf):
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0]


def text_of(pdf):
    return page(pdf).extract_text()


def fonts_of(pdf):
    """``{BaseFont: full name in the embedded font program}`` of the first page."""
    fonts = {}
    for font in page(pdf)["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))
        fonts[str(font["/BaseFont"]).split("+", 1)[1]] = program["name"].getDebugName(4)
    return fonts


def fetch(url):
    """``(bytes, content type)`` from ``make_url_fetcher()``, in either of WeasyPrint's forms: an
    object with ``fetch`` (68 and later) or a function returning a dict (66 and 67)."""
    fetcher = make_url_fetcher()
    if hasattr(fetcher, "fetch"):
        response = fetcher.fetch(url)
        return response.read(), response.content_type
    result = fetcher(url)
    return result["string"], result["mime_type"]


def refused(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "cursus_xblock.documents" and r.levelname == "WARNING"]


@pytest.fixture
def http_server():
    """A real local HTTP server that counts the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
            self.end_headers()
            self.wfile.write(b"p::after { content: 'FETCHED' }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_pdf_has_the_accented_text_in_the_bundled_fonts():
    pdf = render_pdf(f"<h1>{TITLE}</h1><p>Le <i>14</i> mars</p><p style='font-family: \"Cursus Serif\"'>Signé</p>")

    assert pdf.startswith(b"%PDF-")
    assert TITLE in text_of(pdf)
    # WeasyPrint names a font after its @font-face family; the program inside is the bundled file.
    assert fonts_of(pdf) == {
        "Cursus-Sans-Bold": "DejaVu Sans Bold",
        "Cursus-Sans": "DejaVu Sans",
        "Cursus-Sans-Italic": "DejaVu Sans Oblique",
        "Cursus-Serif": "DejaVu Serif",
    }


def test_same_html_gives_the_same_bytes_without_dates():
    html = f"<title>Attestation</title><p>{TITLE}</p>"
    pdf = render_pdf(html, css="p { color: navy }")
    in_another_thread = []
    thread = threading.Thread(target=lambda: in_another_thread.append(render_pdf(html, css="p { color: navy }")))
    thread.start()
    thread.join()

    assert render_pdf(html, css="p { color: navy }") == pdf == in_another_thread[0]
    assert b"/CreationDate" not in pdf and b"/ModDate" not in pdf


def test_a_file_inside_static_is_served():
    css = f'@font-face {{ font-family: "Template Face"; src: url("{FONT}"); }} p {{ font-family: "Template Face" }}'

    pdf = render_pdf("<p>Bienvenue</p>", css=css)

    assert fonts_of(pdf) == {"Template-Face-Bold": "DejaVu Serif Bold"}
    assert fetch(STATIC_BASE_URL + FONT) == ((STATIC_DIR / FONT).read_bytes(), "font/ttf")


def test_data_uris_are_served_and_the_qr_code_is_an_svg_image(caplog):
    uri = qr_code_data_uri("https://lms.example.org/cursus/verify/ABC123/")

    assert uri.startswith("data:image/svg+xml")
    svg = ElementTree.fromstring(unquote(uri.split(",", 1)[1]))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.find("{http://www.w3.org/2000/svg}path") is not None

    # With their text alternatives: a tagged PDF without them is reported (an error in the log).
    pdf = render_pdf(
        f'<p>{TITLE}</p><img src="{PNG_DATA_URI}" alt="Logo"><img src="{uri}" alt="QR code" style="width: 3cm">'
    )
    assert len(page(pdf).images) == 1  # the PNG; the SVG is drawn as vector paths
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_http_is_never_fetched_and_the_document_still_renders(http_server, caplog):
    base, hits = http_server
    html = f"""
        <link rel="stylesheet" href="{base}/link.css">
        <style>@import url("{base}/import.css"); p {{ background: url("{base}/bg.png") }}</style>
        <p>{TITLE}</p><img src="{base}/x.png"><object data="{base}/object.png"></object>"""
    css = f'@font-face {{ font-family: "Remote"; src: url("{base}/font.ttf"); }} p {{ font-family: "Remote" }}'

    pdf = render_pdf(html, css=css)

    assert hits == []
    assert text_of(pdf) == TITLE
    assert f"{base}/x.png" in "\n".join(refused(caplog))
    assert len(refused(caplog)) == 6


@pytest.mark.parametrize(
    "url", ["https://example.org/logo.png", "ftp://example.org/logo.png", "gopher://x/", "mailto:a@b.c", "no-scheme"]
)
def test_other_schemes_are_refused_and_logged(url, caplog):
    with pytest.raises(RefusedURL):
        fetch(url)

    assert url in refused(caplog)[0]


def test_no_opener_that_follows_redirects():
    from urllib.request import HTTPRedirectHandler

    fetcher = make_url_fetcher()
    opener = fetcher if hasattr(fetcher, "handlers") else render._DATA_OPENER  # 68+ / 66 and 67
    assert not [handler for handler in opener.handlers if isinstance(handler, HTTPRedirectHandler)]


def test_issue11_renders_with_the_weasyprint_the_lms_pins_allow(caplog):
    """The LMS pins tinycss2 1.4.0, so Open edX gets WeasyPrint 66 or 67, whose URL fetcher is a
    plain function (no ``weasyprint.urls.URLFetcher``): the fetcher must take the installed form."""
    import weasyprint

    pdf = render_pdf(f'<p>{TITLE}</p><img src="{PNG_DATA_URI}"><img src="file:///etc/passwd">')

    assert text_of(pdf).strip() == TITLE and len(page(pdf).images) == 1
    assert "'file:///etc/passwd'" in "\n".join(refused(caplog))
    assert hasattr(make_url_fetcher(), "fetch") == hasattr(weasyprint.urls, "URLFetcher")


def test_files_outside_static_contribute_nothing(caplog):
    # One query string per use: WeasyPrint caches images by URL, and each use must reach the fetcher.
    passwd = "file:///etc/passwd?"
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'><image href='{passwd}svg' width='9' height='9'/>"
    )
    html = f"""
        <link rel="stylesheet" href="{passwd}link"><link rel="attachment" href="{passwd}attachment">
        <style>@import url("{passwd}style-import"); p::after {{ content: url("{passwd}content") }}</style>
        <p>{TITLE}</p><img src="{passwd}img"><embed src="{passwd}embed"><img src="data:image/svg+xml,{svg}</svg>">
        <img src="/etc/passwd"><img src="file://localhost/etc/passwd">"""
    css = f'@import url("{passwd}css-import"); @font-face {{ font-family: Leak; src: url("{passwd}font") }}'
    css += "p { font-family: Leak }"

    pdf = render_pdf(html, css=css)

    assert text_of(pdf) == TITLE and b"root:" not in pdf
    assert not pypdf.PdfReader(io.BytesIO(pdf)).attachments
    logged = "\n".join(refused(caplog))
    for use in ("link", "attachment", "style-import", "content", "img", "embed", "svg", "css-import", "font"):
        assert f"'{passwd}{use}'" in logged
    assert "'file:///etc/passwd'" in logged and "'file://localhost/etc/passwd'" in logged


@pytest.mark.parametrize(
    "src",
    [
        "/dev/urandom",
        "file:///dev/urandom",
        "../../../etc/passwd",
        "cursus_xblock/../../../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "cursus_xblock/fonts/../../../models/__init__.py",  # inside the package, outside static/
        "file://example.org/etc/passwd",
        "cursus_xblock/fonts/",  # a folder
        "cursus_xblock/fonts/missing.ttf",
        "cursus_xblock/fonts/DejaVuSans.ttf%00.png",
    ],
)
def test_escapes_from_static_are_refused(src, caplog):
    url = urljoin(STATIC_BASE_URL, src)
    assert static_path(url) is None
    with pytest.raises(RefusedURL):
        fetch(url)

    pdf = render_pdf(f'<p>{TITLE}</p><img src="{src}">')  # /dev/urandom would never end
    assert text_of(pdf) == TITLE
    assert len(refused(caplog)) == 2


def test_symlinks_out_of_static_are_refused(tmp_path, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    (static / "inside.css").write_text("p {}")
    (tmp_path / "secret.txt").write_text("root:x:0:0")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    (static / "alias.css").symlink_to(static / "inside.css")
    monkeypatch.setattr(render, "STATIC_DIR", static)

    assert static_path((static / "link.txt").as_uri()) is None
    assert static_path((static / "alias.css").as_uri()) == static / "inside.css"
    with pytest.raises(RefusedURL):
        fetch((static / "link.txt").as_uri())


def test_bundled_fonts_are_small_and_licensed():
    fonts = STATIC_DIR / "cursus_xblock" / "fonts"

    assert sum(f.stat().st_size for f in fonts.iterdir()) < 3_000_000
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"):
        assert f"/{name}" in render.FONT_FACES_CSS and (fonts / name).is_file()


@pytest.mark.parametrize("error", [OSError("cannot load library 'libpango-1.0-0'"), ImportError("no weasyprint")])
def test_missing_weasyprint_or_libraries_is_a_configuration_error(error, monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint":
            raise error
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(RendererUnavailable, match="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0") as info:
        render_pdf("<p>x</p>")
    assert isinstance(info.value, ImproperlyConfigured)


def test_the_package_imports_without_weasyprint():
    code = (
        "import sys; sys.modules['weasyprint'] = None; sys.modules['segno'] = None\n"
        "import cursus_xblock.documents.render as r; print(r.STATIC_BASE_URL)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == STATIC_BASE_URL
