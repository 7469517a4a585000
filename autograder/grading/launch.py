"""How a sandboxed worker's processes start and end.

Two ways, the same sandbox and the same limits:

- cold (:class:`ColdWorker`): bubblewrap starts a fresh Python, which
  imports NumPy and IPython before it can run the first cell;
- forked (:class:`ForkedWorker`): bubblewrap starts a sandbox that only
  holds its namespaces (sandbox.holder_command), and the fork server
  (autograder.grading.forkserver), whose NumPy and IPython are imported
  already, forks a worker into it.

Either way the grader gets a channel (``stdin``, ``fd_out``), the process
trees whose CPU time is the worker's (``roots``) and a ``kill()`` that
ends everything the worker started.
"""
from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
from pathlib import Path

import psutil

from . import cputime, forks, sandbox

#: How long a holder's sandbox may take to be ready (seconds).
HOLDER_TIMEOUT = 30.0
#: How long a killed worker may take to be gone (seconds).
KILL_WAIT = 5.0
#: Capacity of each pipe of a worker's channel. A cost check's arrays
#: (~1.6 MB each way) then cross in two writes instead of some 25 of the
#: default 64 KiB, each waking the reader: such a call 14.5 -> 10 ms of
#: CPU on both sides together.
PIPE_SIZE = 1 << 20


def widen(*fds: int) -> None:
    """Give the pipes ``fds`` PIPE_SIZE of room (as much as the system
    allows an unprivileged user by default); left as they are when the
    kernel refuses."""
    for fd in fds:
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass


class HolderFailed(RuntimeError):
    """The sandbox for a forked worker did not start."""


class ColdWorker:
    forked = False

    def __init__(self, scratch: Path, limits: sandbox.Limits, cgroup,
                 use_sandbox: bool, log):
        argv, env = sandbox.worker_command(scratch, limits, cgroup,
                                           use_sandbox)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log, cwd=scratch, env=env, start_new_session=True)
        self.stdin = self.proc.stdin
        self.fd_out = self.proc.stdout.fileno()
        widen(self.stdin.fileno(), self.fd_out)
        self.roots = [self.proc.pid]
        self._worker: int | None = None

    def worker_pid(self, executable: str) -> int | None:
        if self._worker is None:
            self._worker = cputime.oldest_running(self.proc.pid, executable)
        return self._worker

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.wait()

    def close(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class ForkedWorker:
    forked = True

    def __init__(self, server: forks.ForkServer, scratch: Path,
                 limits: sandbox.Limits, cgroup, log):
        self.holder = subprocess.Popen(
            sandbox.holder_command(scratch), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=log, cwd=scratch,
            start_new_session=True)
        self.pidfd: int | None = None
        self.stdin = None
        self.fd_out = -1
        try:
            init, leaf = self._wait_ready()
            self.init = init
            self._spawn(server, limits, cgroup, log, leaf)
        except BaseException:
            self.kill()
            self.close()
            raise

    def _wait_ready(self) -> tuple[int, int]:
        """(host pid of the sandbox's init, of its sleeping process)."""
        out = self.holder.stdout
        ready, _, _ = select.select([out], [], [], HOLDER_TIMEOUT)
        line = out.readline() if ready else b""
        out.close()
        if line != b"ready\n":
            raise HolderFailed("the sandbox did not start")
        # bubblewrap, the sandbox's init, its sleeping process: a chain,
        # in that order, from one read of the process table
        chain = cputime.tree(self.holder.pid)
        if len(chain) < 3:
            raise HolderFailed("the sandbox stopped or has no init process")
        return chain[1].pid, chain[-1].pid

    def _spawn(self, server, limits, cgroup, log, leaf: int) -> None:
        ns = [os.open(f"/proc/{leaf}/ns/{name}", os.O_RDONLY)
              for name in forks.NAMESPACES]
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        widen(in_w, out_r)
        self.stdin = os.fdopen(in_w, "wb")
        self.fd_out = out_r
        request = {"argv": sandbox.worker_argv(limits),
                   "cwd": sandbox.INSIDE,
                   "rlimits": sandbox.rlimits(limits, cgroup),
                   "cgroup": str(cgroup) if cgroup else None,
                   "namespaces": list(forks.NAMESPACES)}
        try:
            self.pid, self.pidfd = server.spawn(
                request, [in_r, out_w, log.fileno(), *ns])
        finally:
            for fd in (in_r, out_w, *ns):
                os.close(fd)
        self.roots = [self.holder.pid, self.pid]
        try:
            self._worker = psutil.Process(self.pid).children()[0].pid
        except (psutil.Error, IndexError):
            self._worker = None

    def worker_pid(self, executable: str) -> int | None:
        return self._worker

    def kill(self) -> None:
        """The sandbox's init, which takes every process of the sandbox
        with it (the worker among them: its parent, outside, reaps it,
        and the pid namespace ends only then), then the holder and the
        worker's outer process."""
        init = getattr(self, "init", None)
        if init is not None and self.holder.poll() is None:
            try:
                os.kill(init, signal.SIGKILL)
            except OSError:
                pass
        try:
            # bubblewrap ends once its init has (and reaps it)
            self.holder.wait(timeout=KILL_WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(self.holder.pid, signal.SIGKILL)
            self.holder.wait()
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except OSError:
                pass
            # readable once the process has ended
            select.select([self.pidfd], [], [], KILL_WAIT)

    def close(self) -> None:
        if self.stdin is not None:
            try:
                self.stdin.close()
            except OSError:
                pass
        for fd in (self.fd_out, self.pidfd):
            if fd is not None and fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.fd_out, self.pidfd = -1, None


def launch(scratch: Path, limits: sandbox.Limits, cgroup, use_sandbox: bool,
           log, pyplot: bool = False):
    """A started worker: forked when the fork server can (with ``pyplot``,
    by the one that preloads matplotlib's pyplot), cold otherwise."""
    server = forks.server(pyplot) if use_sandbox else None
    if server is not None:
        try:
            return ForkedWorker(server, scratch, limits, cgroup, log)
        except HolderFailed:
            pass                # the cold start says why, in its log
        except forks.ForkError as exc:
            forks.disable(str(exc))
    return ColdWorker(scratch, limits, cgroup, use_sandbox, log)
