"""A throwaway PostgreSQL server for tests: ``with postgres() as url:``.

Starts a fresh cluster (initdb) in a temporary folder, on a free port of
127.0.0.1 with its Unix socket in that folder, creates one database, yields
its SQLAlchemy URL and, whatever happens in the ``with`` block, stops the
server (``pg_ctl stop -m immediate``) and deletes the folder.

The server binaries are Debian's (``apt-get install postgresql``:
/usr/lib/postgresql/VERSION/bin), or those in $PG_BIN, or initdb on PATH.
Only their absence skips the calling test; any other failure is an error
that quotes the server's log. PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` user (``nobody`` without one).
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

#: Superuser created by initdb; trust authentication, loopback only.
USER = "grader"


def find_bin() -> Path | None:
    """Folder of initdb, pg_ctl and createdb, newest version first."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: [int(n) for n in re.findall(r"\d+", p)],
               reverse=True)
    candidates += [Path(p).parent for p in found]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all((folder / tool).is_file()
               for tool in ("initdb", "pg_ctl", "createdb")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a "
                       "'nobody' account exists to run PostgreSQL as")


class PostgresError(RuntimeError):
    """The throwaway server could not be set up; the message has its log."""


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextlib.contextmanager
def postgres(dbname: str = "gradebook", timeout: float = 60,
             durable: bool = False) -> Iterator[str]:
    """Run a throwaway PostgreSQL server; yield the URL of ``dbname``.

    Commits are not flushed to disk (fsync off) unless ``durable``, as a
    real server's would be (bench/grading.py measures with that).

    The URL (``postgresql+psycopg2://grader@127.0.0.1:PORT/DBNAME``) is
    what goes into nbgrader's ``c.CourseDirectory.db_url``. It names the
    driver: SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3,
    and requirements.txt pins psycopg2-binary.
    """
    bin_dir = find_bin()
    if bin_dir is None:
        import pytest

        pytest.skip("PostgreSQL is not installed (Debian/Ubuntu: apt-get "
                    "install postgresql; make test does as root)")
    user = _server_user()
    as_user: dict = {}
    if user is not None:
        as_user = {"user": user.pw_uid, "group": user.pw_gid,
                   "extra_groups": []}
    env = dict(os.environ, LC_ALL="C", LANG="C", TZ="UTC")
    if user is not None:
        env["HOME"] = tempfile.gettempdir()

    def run(*args, check=True, wait=timeout):
        proc = subprocess.run([str(bin_dir / args[0]), *args[1:]],
                              capture_output=True, text=True, env=env,
                              timeout=wait, stdin=subprocess.DEVNULL,
                              cwd=tmp, **as_user)
        if check and proc.returncode != 0:
            raise PostgresError(
                f"{args[0]} failed ({proc.returncode}):\n{proc.stdout}"
                f"{proc.stderr}\nserver log:\n{_log_tail(log)}")
        return proc

    # short path: the socket path must fit in 107 bytes
    tmp = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    data, log = tmp / "data", tmp / "server.log"
    started = False
    try:
        if user is not None:
            os.chown(tmp, user.pw_uid, user.pw_gid)
        run("initdb", "-D", str(data), "-U", USER, "--auth=trust",
            "--encoding=UTF8", "--no-sync")
        for attempt in range(3):
            port = _free_port()
            with open(data / "postgresql.conf", "a") as conf:
                # a later line wins: a retry just appends another port
                conf.write(
                    f"\nport = {port}\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{tmp}'\n"
                    "max_connections = 50\n"
                    + ("" if durable else
                       "fsync = off\nsynchronous_commit = off\n"
                       "full_page_writes = off\n"))
            proc = run("pg_ctl", "start", "-D", str(data), "-l", str(log),
                       "-w", "-t", str(int(timeout)), check=False,
                       wait=timeout + 10)
            if proc.returncode == 0:
                started = True
                break
            if "could not bind" not in _log_tail(log) or attempt == 2:
                raise PostgresError(
                    f"pg_ctl start failed ({proc.returncode}):\n"
                    f"{proc.stdout}{proc.stderr}\nserver log:\n"
                    f"{_log_tail(log)}")
        run("createdb", "-h", str(tmp), "-p", str(port), "-U", USER, dbname)
        yield f"postgresql+psycopg2://{USER}@127.0.0.1:{port}/{dbname}"
    finally:
        try:
            if started or (data / "postmaster.pid").exists():
                _stop(run, data)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _stop(run, data: Path) -> None:
    """pg_ctl stop -m immediate; SIGKILL the postmaster if that fails."""
    pid_file = data / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pid = None
    try:
        if run("pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w",
               check=False, wait=30).returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    if pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
