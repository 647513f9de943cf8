"""Throwaway PostgreSQL / MariaDB servers for the test suite.

Each ``start_*()`` call creates a fresh data directory in a short temporary
folder, starts a server on a unix socket inside it (no TCP port, so parallel
runs never clash, and the path stays under the 108-byte socket limit), waits
until it accepts connections and returns a :class:`Server` whose
``databases_entry`` can be used as Django's ``DATABASES['default']``.

Durability is switched off everywhere (fsync, doublewrite, ...): the data is
deleted after the run, so speed is all that matters.

Only the standard library is used, so importing this module never fails;
a missing binary or a server that will not start raises
:class:`ServerUnavailable` with a human-readable reason, which a fixture can
turn into ``pytest.skip`` or a hard failure.

Servers refuse to run as root, so when we are root they run as the system
users ``postgres`` / ``mysql``; otherwise as the current user.
"""

from __future__ import annotations

import atexit
import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ServerUnavailable", "Server", "start_postgresql", "start_mariadb"]

DB_NAME = "cursus"
START_TIMEOUT = 30.0


class ServerUnavailable(Exception):
    """The database server cannot be used here; the message says why."""


@dataclass(eq=False)  # hashable by identity, so it can live in _live
class Server:
    """A running throwaway server. ``stop()`` kills it and deletes its folder."""

    databases_entry: dict
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    directory: Path = field(repr=False)
    stop_signal: int = field(default=signal.SIGKILL, repr=False)
    _owner_pid: int = field(default_factory=os.getpid, repr=False)

    def stop(self) -> None:
        """Stop the server and remove its folder; safe to call more than once."""
        _live.discard(self)
        if self.process.poll() is None:
            try:
                self.process.send_signal(self.stop_signal)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


_live: set[Server] = set()


@atexit.register
def _stop_all() -> None:
    # Only in the process that started them: a forked child exiting must not
    # take its parent's servers down.
    for server in list(_live):
        if server._owner_pid == os.getpid():
            server.stop()


# --------------------------------------------------------------------------
# helpers


def _find(names: list[str], extra_dirs: list[str]) -> str | None:
    """First of ``names`` on PATH, else in ``extra_dirs`` (globs; newest first)."""
    for name in names:
        if path := shutil.which(name):
            return path
    version = lambda p: [int(n) for n in re.findall(r"\d+", p)]  # noqa: E731
    for pattern in extra_dirs:
        for directory in sorted(glob.glob(pattern), key=version, reverse=True):
            for name in names:
                candidate = os.path.join(directory, name)
                if os.access(candidate, os.X_OK):
                    return candidate
    return None


def _run_as(system_user: str) -> dict:
    """Popen keyword arguments that drop root privileges to ``system_user``.

    Uses Popen(user=...) rather than ``runuser`` so that the Popen object is
    the server process itself (no wrapper in between to forward signals).
    """
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam(system_user)
    except KeyError:
        raise ServerUnavailable(
            f"running as root, but there is no '{system_user}' user to run "
            f"the server as (the server refuses to run as root)"
        ) from None
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _die_with_parent(sig: int):
    """preexec_fn: have the kernel send ``sig`` to the server when the test
    process dies, even by SIGKILL/SIGTERM, when atexit handlers do not run.
    (Linux only; elsewhere atexit is the only safety net.)"""

    def preexec() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    return preexec


def _make_dir(prefix: str, system_user: str) -> Path:
    # /tmp rather than $TMPDIR: macOS-style long temp paths overflow the
    # 108-byte limit of unix socket paths.
    base = "/tmp" if os.path.isdir("/tmp") else None
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    if os.geteuid() == 0:
        pw = pwd.getpwnam(system_user)
        os.chown(directory, pw.pw_uid, pw.pw_gid)
    return directory


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text)


def _fail(directory: Path, log: Path, reason: str, process=None) -> ServerUnavailable:
    """Clean up a failed start and build the exception (with the log tail)."""
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
    message = f"{reason}\n  last lines of {log.name} (its folder is removed):\n{_tail(log)}"
    shutil.rmtree(directory, ignore_errors=True)
    return ServerUnavailable(message)


def _env(directory: Path) -> dict:
    # HOME in our folder: the server user's real home may not exist or be
    # readable, and no ~/.my.cnf / ~/.pgpass of ours should leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "MYSQL"))}
    env.update(HOME=str(directory), LC_ALL="C.UTF-8", LANG="C.UTF-8")
    return env


def _step(cmd: list[str], directory: Path, log: Path, system_user: str) -> None:
    """Run a set-up command (initdb, install-db, createdb), output to the log."""
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(cmd)}\n".encode())
        out.flush()
        try:
            result = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=directory,
                env=_env(directory),
                timeout=START_TIMEOUT,
                **_run_as(system_user),
            )
        except subprocess.TimeoutExpired:
            raise _fail(directory, log, f"{os.path.basename(cmd[0])} timed out") from None
    if result.returncode:
        raise _fail(directory, log, f"{os.path.basename(cmd[0])} failed (exit {result.returncode})")


def _spawn(cmd, directory, log, system_user, death_signal) -> subprocess.Popen:
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(cmd)}\n".encode())
        out.flush()
        # Own session: a Ctrl-C in the terminal must not shut the server down
        # under the still-running test teardown; stop()/atexit handle it.
        return subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=directory,
            env=_env(directory),
            start_new_session=True,
            preexec_fn=_die_with_parent(death_signal),
            **_run_as(system_user),
        )


def _wait_until(ready, process, directory, log, what) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process.poll() is not None:
            raise _fail(directory, log, f"{what} exited during start-up (exit {process.returncode})")
        if time.monotonic() > deadline:
            raise _fail(directory, log, f"{what} not ready after {START_TIMEOUT:.0f}s", process)
        time.sleep(0.05)


# --------------------------------------------------------------------------
# PostgreSQL

PG_DIRS = ["/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"]
PG_PORT = 5432  # only names the socket file (.s.PGSQL.5432); no TCP listener


def start_postgresql() -> Server:
    """Start a PostgreSQL server; the Django user ``cursus`` is a superuser
    (trust auth over the socket), so the test runner can CREATE DATABASE."""
    initdb = _find(["initdb"], PG_DIRS)
    if not initdb:
        raise ServerUnavailable("initdb not found: install PostgreSQL (Debian: postgresql)")
    # postgres/createdb must match initdb's version: take them from its real
    # directory (Debian's /usr/bin wrappers or symlinks point elsewhere).
    bindir = os.path.dirname(os.path.realpath(initdb))
    postgres, createdb = (os.path.join(bindir, n) for n in ("postgres", "createdb"))
    for binary in (postgres, createdb):
        if not os.access(binary, os.X_OK):
            raise ServerUnavailable(f"{binary} not found next to {initdb}")

    directory = _make_dir("cx-pg-", "postgres")
    log = directory / "postgres.log"
    data = directory / "data"
    # C.UTF-8 keeps UPPER()/LOWER() (used by iexact/icontains) Unicode-aware
    # while collating bytewise; --no-sync: the cluster is thrown away anyway.
    _step(
        [
            initdb,
            "-D",
            str(data),
            "-U",
            "cursus",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        ],
        directory,
        log,
        "postgres",
    )
    settings = {
        "listen_addresses": "",
        "unix_socket_directories": str(directory),
        "port": PG_PORT,
        "max_connections": 100,
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }
    cmd = [postgres, "-D", str(data)]
    for key, value in settings.items():
        cmd += ["-c", f"{key}={value}"]
    # Postgres stops with SIGQUIT ("immediate"): it still kills its backends
    # and frees shared memory, unlike SIGKILL.
    process = _spawn(cmd, directory, log, "postgres", signal.SIGQUIT)

    def ready() -> bool:
        # Since PG 10 the last line of postmaster.pid becomes "ready" once
        # connections are accepted (what pg_ctl -w checks too).
        try:
            return (data / "postmaster.pid").read_text().split("\n")[7].strip() == "ready"
        except (OSError, IndexError):
            return False

    _wait_until(ready, process, directory, log, "postgres")
    server = Server(
        databases_entry={
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DB_NAME,
            "USER": "cursus",
            "PASSWORD": "",
            "HOST": str(directory),
            "PORT": str(PG_PORT),
        },
        log_path=log,
        process=process,
        directory=directory,
        stop_signal=signal.SIGQUIT,
    )
    _live.add(server)
    try:
        _step([createdb, "-h", str(directory), "-p", str(PG_PORT), "-U", "cursus", DB_NAME], directory, log, "postgres")
    except ServerUnavailable:
        server.stop()
        raise
    return server


# --------------------------------------------------------------------------
# MariaDB

MARIADB_DIRS = ["/usr/sbin", "/usr/libexec", "/usr/local/mysql/bin", "/usr/local/mysql/scripts"]


def start_mariadb() -> Server:
    """Start a MariaDB server; Django connects as ``root`` without password
    over the socket (created by install-db with 'normal' auth), so the test
    runner can CREATE DATABASE."""
    mariadbd = _find(["mariadbd", "mysqld"], MARIADB_DIRS)
    install_db = _find(["mariadb-install-db", "mysql_install_db"], MARIADB_DIRS)
    if not mariadbd or not install_db:
        missing = "mariadbd" if not mariadbd else "mariadb-install-db"
        raise ServerUnavailable(f"{missing} not found: install MariaDB (Debian: mariadb-server)")

    directory = _make_dir("cx-my-", "mysql")
    log = directory / "mariadb.log"
    data = directory / "data"
    sock = directory / "mysqld.sock"
    # Options shared by the bootstrap run and the server. "loose-" ones are
    # ignored (with a warning) by versions that do not know them.
    innodb = [
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-flush-method=nosync",  # no fsync at all: throwaway data
        "--loose-innodb-doublewrite=0",
        "--loose-innodb-use-native-aio=0",  # native AIO fails on some tmpfs/containers
    ]
    # --no-defaults must come first: never read /etc/mysql/my.cnf.
    _step(
        [
            install_db,
            "--no-defaults",
            f"--datadir={data}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            *innodb,
        ],
        directory,
        log,
        "mysql",
    )
    # Runs before the server accepts connections, so the DB exists when ready.
    init_sql = directory / "init.sql"
    init_sql.write_text(f"CREATE DATABASE IF NOT EXISTS {DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n")
    cmd = [
        mariadbd,
        "--no-defaults",
        f"--datadir={data}",
        f"--socket={sock}",
        f"--pid-file={directory / 'mysqld.pid'}",
        f"--init-file={init_sql}",
        "--skip-networking",
        "--skip-name-resolve",
        "--skip-log-bin",
        "--default-storage-engine=InnoDB",
        "--max-connections=200",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        *innodb,
    ]
    # SIGKILL is fine for MariaDB (single process, data thrown away) and saves
    # the ~1 s clean shutdown.
    process = _spawn(cmd, directory, log, "mysql", signal.SIGKILL)

    def ready() -> bool:
        # The server speaks first: a handshake packet (protocol version 10 in
        # the 5th byte) means it accepts connections.
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(2)
                s.connect(str(sock))
                return s.recv(5)[4:5] == b"\x0a"
        except OSError:
            return False

    _wait_until(ready, process, directory, log, "mariadbd")
    server = Server(
        databases_entry={
            "ENGINE": "django.db.backends.mysql",
            "NAME": DB_NAME,
            "USER": "root",
            "PASSWORD": "",
            "HOST": str(sock),  # a HOST starting with "/" is a socket path for Django
            "PORT": "",
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        },
        log_path=log,
        process=process,
        directory=directory,
        stop_signal=signal.SIGKILL,
    )
    _live.add(server)
    return server
