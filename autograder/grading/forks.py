"""The grader's end of the fork server (autograder.grading.forkserver).

One fork server per grader process, started on first use (or early,
by prestart: the grade command's command line). When it cannot
start, or fails once, it is not used again by this process and workers
start cold (a warning says so once): the fork server makes grading
faster, never possible. ``AUTOGRADER_COLD_WORKERS=1`` starts every
worker cold.
"""
from __future__ import annotations

import json
import logging
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import sandbox
from .sandbox_view import PACKAGE_DIR, RUN_DIR

log = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("forkserver.py")
#: The order in which a forked worker joins the sandbox's namespaces.
NAMESPACES = ("user", "cgroup", "ipc", "uts", "net", "pid", "mnt")
#: How long the server may take to start (its imports) and to answer.
START_TIMEOUT = 60.0
ANSWER_TIMEOUT = 30.0


class ForkError(RuntimeError):
    """The fork server could not start a worker."""


class ForkServer:
    """A fork server; with ``pyplot``, one whose workers find matplotlib's
    pyplot imported (it costs the others' start a little: ~12 ms of CPU
    per worker for the larger process to copy and tear down)."""

    def __init__(self, pyplot: bool = False, wait: bool = True):
        """Start the server; ``wait``: until it is ready (else the first
        wait_ready does)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket = ours
        self.lock = threading.Lock()
        # a file, not a pipe: a pipe nobody reads could fill and stop it
        self.errors = tempfile.TemporaryFile()
        fonts = sandbox.font_cache_folder() if pyplot else None
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(SCRIPT), str(theirs.fileno()),
             str(PACKAGE_DIR.parent), RUN_DIR,
             *([str(fonts)] if fonts is not None else [])],
            pass_fds=[theirs.fileno()], cwd="/", env=sandbox.sandbox_env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.errors, start_new_session=True)
        theirs.close()
        self.ready = False
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Return once the server has imported what it preloads; raises
        ForkError (and closes it) when it does not get there."""
        if self.ready:
            return
        try:
            reply = self._answer(START_TIMEOUT)
        except ForkError:
            self.close()
            raise
        if not reply.get("ready"):
            self.close()
            raise ForkError(f"the fork server said {reply!r}")
        self.ready = True

    def _answer(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if not ready:
            raise ForkError("the fork server did not answer in time")
        message, fds, _, _ = socket.recv_fds(self.socket, 65536, 4)
        if not message:
            raise ForkError(f"the fork server stopped: {self._stderr()}")
        reply = json.loads(message)
        reply["fds"] = fds
        return reply

    def _stderr(self) -> str:
        """What the server wrote before it stopped."""
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "(still running)"
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")[-500:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, request: dict, fds: list[int]) -> tuple[int, int]:
        """(pid, pidfd) of a worker forked into the sandbox whose
        namespaces are among ``fds`` (see forkserver's request)."""
        with self.lock:
            try:
                socket.send_fds(self.socket, [json.dumps(request).encode()],
                                fds)
                reply = self._answer(ANSWER_TIMEOUT)
            except OSError as exc:
                raise ForkError(f"the fork server is gone: {exc}") from None
        if "pid" in reply and len(reply["fds"]) == 1:
            return int(reply["pid"]), reply["fds"][0]
        for fd in reply["fds"]:
            os.close(fd)
        raise ForkError(str(reply.get("error", "no answer"))[:500])

    def close(self) -> None:
        self.socket.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.errors.close()


_servers: dict[bool, ForkServer] = {}     # by pyplot
_owner: int | None = None
_broken = False
_lock = threading.Lock()


def enabled() -> bool:
    return not _broken and os.environ.get("AUTOGRADER_COLD_WORKERS") != "1"


def server(pyplot: bool = False) -> ForkServer | None:
    """This process's fork server (the one with pyplot preloaded, or
    the one without), started if need be; None when workers must start
    cold."""
    if not enabled():
        return None
    with _lock:
        _own()
        found = _servers.get(pyplot)
        try:
            if found is None or not found.alive():
                _servers[pyplot] = found = ForkServer(pyplot)
            else:
                found.wait_ready()      # one prestart() started
        except (OSError, ForkError) as exc:
            _servers.pop(pyplot, None)
            disable(f"the fork server did not start: {exc}")
            return None
        return found


def prestart(pyplot: bool = False) -> None:
    """Start that fork server now and do not wait for it: it imports
    NumPy and IPython (~0.3 s) on another core while this process
    imports the grader (~1 s, nbgrader mostly); server() waits for it."""
    if not enabled():
        return
    with _lock:
        _own()
        if pyplot not in _servers:
            try:
                _servers[pyplot] = ForkServer(pyplot, wait=False)
            except OSError:
                pass                    # server() tries again, and says so


def discard(pyplot: bool = False) -> None:
    """Stop that fork server if one runs (prestarted, not needed)."""
    with _lock:
        found = _servers.pop(pyplot, None) if _owner == os.getpid() else None
    if found is not None:
        found.proc.kill()   # it never forked a worker; it may still import
        found.close()


def _own() -> None:
    """Forget a forked grader's copies of its parent's servers."""
    global _owner
    if _owner != os.getpid():
        _servers.clear()
        _owner = os.getpid()


def disable(reason: str) -> None:
    """Start every later worker of this process cold."""
    global _broken
    if not _broken:
        log.warning("%s; workers start cold from now on", reason)
    _broken = True
