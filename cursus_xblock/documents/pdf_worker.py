"""WeasyPrint in worker processes, so a document that takes too long can be stopped.

A template that the engine renders within its budget can still be HTML that WeasyPrint lays out
for minutes (a 20-million-character line, thousands of pages). A thread cannot be killed, and
WeasyPrint holds the interpreter lock while it works, so the rest of the server would wait too.
Each PDF is therefore made by a worker process that is killed when it overruns
``CURSUS_RENDER_TIMEOUT`` seconds; the author then reads "took too long".

Workers are fresh interpreters (``sys.executable``, given the server's ``sys.path``): no copy of
the server's threads, locks or database connections, and, unlike ``multiprocessing``'s ``spawn``,
no second run of the server's main script. They talk over a socket pair, import WeasyPrint and
render a first page before taking documents, and are kept for the next document. On a
certificate a warm worker's cost was lost in the noise of a busy machine (two runs of
``benchmarks/render_limits.py``: -134 ms and +47 ms on a 120-370 ms render; the socket carries a
few kB); a cold start takes about 1.3-1.6 s, once per server process and after a kill. The
``cursus_xblock.documents`` and ``weasyprint`` warnings a worker logs (refused resources …) are
logged again in the calling process.
"""

import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from django.utils.translation import gettext_lazy as _

from ..conf import settings
from .templating import TemplateLimitExceeded, too_long

#: Seconds a new worker may take to import WeasyPrint and render its first page.
STARTUP_TIMEOUT = 120
#: Workers kept waiting for the next document (others stop after their document); more while
#: a batch renders several at once (``kept_idle``).
MAX_IDLE = 2
_extra_idle = [0]
#: Documents a worker makes before it is replaced (WeasyPrint's caches only grow).
MAX_DOCUMENTS = 500
#: Loggers whose records a worker sends back.
FORWARDED_LOGGERS = ("cursus_xblock.documents", "weasyprint")

WORKER_STOPPED = _(
    "The PDF renderer stopped while making this document (it may have run out of memory): simplify the template."
)

_idle = []
_lock = threading.Lock()


class RendererStopped(TemplateLimitExceeded):
    """The worker died or could not start; its document was not made."""


# --- in the worker process -----------------------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


def _picklable(exc):
    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001 — any exception of the renderer becomes a plain one
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def main(fd, render_here):
    """The worker process: serve documents on the socket ``fd`` until the server closes it.

    ``render_here`` is ``render.render_pdf_here``, handed in by the worker's command line (see
    ``_Worker``) rather than imported: ``render`` calls this module, so importing it back would
    close a circle.
    """
    _serve(Connection(fd), render_here)


def _serve(connection, render_here):
    """The worker's loop: ``(html, css)`` in, ``(ok, pdf or exception, log records)`` out, until EOF."""
    collector = _Collector()
    for name in FORWARDED_LOGGERS:
        logging.getLogger(name).addHandler(collector)
    try:
        render_here("<p>cursus</p>")  # imports WeasyPrint and loads the fonts once
    except Exception as exc:  # noqa: BLE001 — reported to the caller
        connection.send((False, _picklable(exc), []))
        return
    connection.send((True, b"", []))
    while True:
        try:
            html, css, options = connection.recv()
        except (EOFError, OSError):  # the server went away
            return
        collector.records = []
        try:
            reply = (True, render_here(html, css=css, options=options))
        except Exception as exc:  # noqa: BLE001 — raised again in the caller
            reply = (False, _picklable(exc))
        connection.send((*reply, collector.records))


# --- in the server process -----------------------------------------------------------------


class _Worker:
    def __init__(self):
        ours, theirs = socket.socketpair()
        code = (
            "from cursus_xblock.documents import pdf_worker, render; "
            f"pdf_worker.main({theirs.fileno()}, render.render_pdf_here)"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
        with theirs:
            self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and code
                [sys.executable, "-c", code], pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env
            )
        self.connection = Connection(ours.detach())
        self.documents = 0
        ok, problem = self._reply(STARTUP_TIMEOUT, on_timeout=lambda: RendererStopped(WORKER_STOPPED))
        if not ok:
            self.stop()
            raise problem

    def _reply(self, timeout, on_timeout):
        """``(ok, value)`` the worker sent within ``timeout`` seconds, its log records logged here."""
        if not self.connection.poll(timeout):
            self.stop()
            raise on_timeout()
        try:
            ok, value, records = self.connection.recv()
        except (EOFError, OSError):
            self.stop()
            raise RendererStopped(WORKER_STOPPED) from None
        for record in records:
            logging.getLogger(record.name).handle(record)
        return ok, value

    def render(self, html, css, options, timeout):
        self.documents += 1
        self.connection.send((html, css, options))
        ok, value = self._reply(timeout, on_timeout=lambda: too_long(timeout))
        if not ok:
            raise value
        return value

    @property
    def alive(self):
        return self.process.poll() is None and not self.connection.closed

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if not self.connection.closed:
            self.connection.close()


def _take():
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive:
                return worker
            worker.stop()
    return _Worker()


def _give_back(worker):
    with _lock:
        if worker.alive and worker.documents < MAX_DOCUMENTS and len(_idle) < MAX_IDLE + _extra_idle[0]:
            _idle.append(worker)
            return
    worker.stop()


def render(html, css="", *, options=None, timeout=None):
    """The PDF of ``html``, made by a worker within ``timeout`` seconds (``CURSUS_RENDER_TIMEOUT``).

    ``options``: WeasyPrint's (``render.pdf_options()``), read here: the worker has no Django settings.

    Past it the worker is killed and ``TemplateLimitExceeded`` says the template took too long.
    An error of WeasyPrint itself is raised again here, as it would be in the process.
    """
    timeout = settings.RENDER_TIMEOUT if timeout is None else timeout
    worker = _take()
    try:
        return worker.render(html, css, options, timeout)
    finally:
        _give_back(worker)


@contextlib.contextmanager
def kept_idle(count):
    """Keep up to ``count`` more workers idle meanwhile: a batch rendering ``count`` at once reuses them."""
    with _lock:
        _extra_idle[0] += count
    try:
        yield
    finally:
        with _lock:
            _extra_idle[0] -= count
            surplus = _idle[MAX_IDLE + _extra_idle[0] :]
            del _idle[MAX_IDLE + _extra_idle[0] :]
        for worker in surplus:
            worker.stop()


def stop_all():
    """Stop the idle workers (tests, or a host that wants its memory back)."""
    with _lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.stop()
