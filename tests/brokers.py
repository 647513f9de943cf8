"""A throwaway Redis server for the tests that need a real Celery broker.

Like ``tests/dbservers.py`` (whose helpers it uses): a fresh folder under /tmp, a server on a unix
socket inside it (no TCP port, so parallel runs never clash), nothing saved to disk, run as the
``redis`` system user when we are root, stopped at the end of the run (or when the test process
dies). A missing ``redis-server`` raises :class:`ServerUnavailable` with the reason.
"""

from __future__ import annotations

import signal
import socket
from dataclasses import dataclass

from .dbservers import Server, ServerUnavailable, _find, _live, _make_dir, _run_as, _spawn, _wait_until

__all__ = ["RedisServer", "start_redis"]

REDIS_DIRS = ["/usr/bin", "/usr/sbin", "/usr/local/bin"]


@dataclass(eq=False)
class RedisServer(Server):
    socket_path: str = ""

    @property
    def url(self) -> str:
        """A Celery/kombu broker URL for the socket."""
        return f"redis+socket://{self.socket_path}"


def _system_user() -> str:
    try:
        _run_as("redis")
    except ServerUnavailable:
        return "nobody"  # Debian's package makes a "redis" user; without it, any unprivileged one
    return "redis"


def start_redis() -> RedisServer:
    redis_server = _find(["redis-server"], REDIS_DIRS)
    if not redis_server:
        raise ServerUnavailable("redis-server not found: install Redis (Debian: redis-server)")
    user = _system_user()
    directory = _make_dir("cx-redis-", user)
    log = directory / "redis.log"
    sock = directory / "redis.sock"
    cmd = [
        redis_server,
        "--port",
        "0",  # no TCP listener
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "777",  # the test process (root or not) talks to a server run as another user
        "--dir",
        str(directory),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    process = _spawn(cmd, directory, log, user, signal.SIGKILL)

    def ready() -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(str(sock))
                s.sendall(b"PING\r\n")
                return s.recv(7) == b"+PONG\r\n"
        except OSError:
            return False

    _wait_until(ready, process, directory, log, "redis-server")
    server = RedisServer(
        databases_entry={},
        log_path=log,
        process=process,
        directory=directory,
        stop_signal=signal.SIGKILL,
        socket_path=str(sock),
    )
    _live.add(server)
    return server
