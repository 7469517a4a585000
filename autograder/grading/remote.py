"""The grader's end of a sandboxed worker (autograder.worker).

:class:`Session` starts the worker in its sandbox and talks to it with
deadlines: a worker that hangs, dies or writes garbage ends the session
(:class:`WorkerLost`) and never the grader. :class:`RemoteFunction`
stands for a function of the student's notebook: calling it sends plain
arrays to the worker and returns the plain arrays that come back, so the
grader's checks run here, in the trusted process, on values the student's
process cannot fake. :meth:`RemoteFunction.measure_cpu` is the cost check's
call: its CPU time is read from the kernel (autograder.grading.cputime), never
asked of the worker.
"""
from __future__ import annotations

import builtins
import itertools
import os
import select
import signal
import sys
import time
from pathlib import Path

import numpy as np

from . import cputime, launch, sandbox
from ..worker import wire

#: How often a measured call's CPU time is read while it runs (seconds).
POLL = 0.05
#: How long a call interrupted for its cost has to answer before its
#: worker is killed (seconds).
INTERRUPT_GRACE = 2.0
INTERRUPT_IGNORED = ("a call went on after the grader stopped it for "
                     "using too much CPU time")


class WorkerLost(RuntimeError):
    """The worker died, timed out or broke the protocol."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind          # "crashed", "timeout" or "corrupt"


class Session:
    """One worker process in one sandbox, for one notebook."""

    def __init__(self, scratch: Path, limits: sandbox.Limits, slot: int = 0,
                 use_sandbox: bool = True, pyplot: bool = False):
        """``pyplot``: the notebook plots, so a worker with matplotlib's
        pyplot imported beforehand suits it (autograder.grading.forks)."""
        self.limits = limits
        self.started = time.monotonic()
        self.deadline = self.started + limits.notebook_timeout
        self.callbacks: dict[int, object] = {}
        self.ids = itertools.count(1)
        self.until = 0.0          # deadline of the pending request
        self.watch = None         # called every POLL s while waiting
        self.worker_pid: int | None = None
        self.interrupted = False
        self.events: list[str] = []
        self.lost: WorkerLost | None = None
        self.cgroup = sandbox.pids_cgroup(slot, limits.processes) \
            if use_sandbox else None
        self.log = open(scratch / ".worker.log", "wb")
        try:
            self.proc = launch.launch(scratch, limits, self.cgroup,
                                      use_sandbox, self.log, pyplot)
        except BaseException:
            self.log.close()
            if self.cgroup is not None:
                sandbox._remove_cgroup(self.cgroup)
            raise
        self.fd_out = self.proc.fd_out
        #: (names, reply) of the last run_cell that asked for names; valid
        #: until the next request
        self.prefetched: tuple | None = None

    # -- low level -----------------------------------------------------------

    def _read_exactly(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            wait = min(self.until, self.deadline) - time.monotonic()
            if wait <= 0:
                raise self._lose("timeout", INTERRUPT_IGNORED
                                 if self.interrupted else "no answer in "
                                 "time")
            if self.watch is not None:
                wait = min(wait, POLL)
            ready, _, _ = select.select([self.fd_out], [], [], wait)
            if not ready:
                if self.watch is not None:
                    self.watch()
                continue
            chunk = os.read(self.fd_out, min(left, 1 << 20))
            if not chunk:
                raise self._lose("crashed", "the worker died")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _lose(self, kind: str, detail: str) -> WorkerLost:
        if self.lost is None:
            self.lost = WorkerLost(kind, detail)
            self.kill()
        return self.lost

    def _send(self, frame: bytes) -> None:
        try:
            self.proc.stdin.write(frame)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._lose("crashed", "the worker died") from None

    def request(self, message: dict, values: dict | None = None,
                timeout: float = 60.0, watch=None) -> dict:
        """Send one request; answer callbacks until the reply comes.

        ``watch`` (no arguments) is called every POLL seconds while the
        reply is awaited; it may bring the deadline forward (``until``).
        """
        if self.lost is not None:
            raise self.lost
        self.prefetched = None  # what the worker said before this request
        self._send(wire.pack(message, values))
        self.until = time.monotonic() + timeout
        self.watch = watch
        try:
            while True:
                try:
                    reply = wire.read_frame(self._read_exactly)
                except wire.WireError as exc:
                    raise self._lose("corrupt", f"garbled reply: {exc}") \
                        from None
                if reply.get("op") != "callback":
                    return reply
                self._answer_callback(reply)
        finally:
            self.watch = None

    def _answer_callback(self, message: dict) -> None:
        func = self.callbacks.get(message.get("id"))
        values = message.get("values") or {}
        try:
            if func is None:
                raise RuntimeError("unknown callback")
            value = func(*values.get("args", ()), **values.get("kwargs", {}))
            frame = wire.pack({"op": "return"}, {"value": value})
        except Exception as exc:  # noqa: BLE001 - tell the worker
            frame = wire.pack({"op": "raise", "message": str(exc)[:500]})
        self._send(frame)

    # -- high level ----------------------------------------------------------

    def run_cell(self, source: str, timeout: float,
                 names: tuple[str, ...] = ()) -> dict:
        """Outputs of one cell; raises WorkerLost. ``names``: the
        lookup_many(names) that follows is answered in the same reply."""
        message = {"op": "cell", "source": source, "timeout": timeout}
        if names:
            message["names"] = list(names)
        reply = self.request(message, timeout=timeout + 5)
        if names:
            self.prefetched = (tuple(names), reply)
        return reply

    def lookup(self, name: str):
        """("missing"|"module"|"callable"|"value", detail) of a global."""
        reply = self.request({"op": "lookup", "name": name},
                             timeout=self.limits.cell_timeout)
        return _found(reply.get("kind"), reply.get("module", ""),
                      (reply.get("values") or {}).get("value"))

    def lookup_many(self, names) -> dict:
        """name -> lookup(name) for every name, in one round trip (one per
        name when the worker's reply is not a well-formed answer)."""
        names = list(names)
        if not names:
            return {}
        reply = self.prefetched[1] if self.prefetched is not None \
            and self.prefetched[0] == tuple(names) else None
        self.prefetched = None
        if reply is None or "kinds" not in reply:
            reply = self.request({"op": "lookup_many", "names": names},
                                 timeout=self.limits.cell_timeout)
        rows = reply.get("kinds") \
            if reply.get("op") in ("kinds", "cell_done") else None
        values = (reply.get("values") or {}).get("values")
        out = {}
        for row in rows if isinstance(rows, list) else []:
            if not (isinstance(row, list) and len(row) == 3
                    and row[0] in names):
                continue
            name, kind, module = row
            out[name] = _found(kind, module, values.get(name)
                               if isinstance(values, dict) else None)
        for name in names:
            if name not in out:
                out[name] = self.lookup(name)
        return out

    def cpu_seconds(self) -> float:
        """CPU seconds the worker's whole process tree has used so far,
        from the kernel's accounting."""
        return cputime.cpu_seconds(*self.proc.roots)

    def interrupt(self) -> None:
        """Stop the worker's running call: SIGALRM, which the worker
        turns into an exception in the call (the same as its own call
        timeout). Nothing happens when a reply is already waiting."""
        if select.select([self.fd_out], [], [], 0)[0]:
            return
        self.interrupted = True
        if self.worker_pid is None:
            self.worker_pid = self.proc.worker_pid(sys.executable)
        if self.worker_pid is not None:
            try:
                os.kill(self.worker_pid, signal.SIGALRM)
            except OSError:
                pass

    def callback_id(self, func) -> int:
        ident = next(self.ids)
        self.callbacks[ident] = func
        return ident

    def kill(self) -> None:
        self.proc.kill()
        if self.cgroup is not None:
            sandbox._remove_cgroup(self.cgroup)
            self.cgroup = None

    def log_tail(self, limit: int = 600) -> str:
        """The end of the worker's stderr: what bwrap, prlimit or Python
        said before the worker started (it then points fd 2 at
        /dev/null). The file lies in the scratch folder, so the student's
        code could write it too: it only ever explains that student's own
        outcome."""
        try:
            with open(self.log.name, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - limit))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text.splitlines()
                          if line.strip())

    def close(self) -> None:
        self.kill()
        self.proc.close()
        try:
            self.log.close()
        except OSError:
            pass


def _found(kind, module, value) -> tuple[str, object]:
    """A lookup's answer as (kind, detail) from what the worker claimed:
    anything but a known kind counts as missing."""
    if kind == "module":
        return kind, str(module)
    if kind == "value":
        return kind, value
    return (kind if kind in ("missing", "callable") else "missing"), None


def _exception(type_name: str, message: str) -> Exception:
    """An exception like the one the student's code raised."""
    cls = getattr(builtins, type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        safe = "".join(c for c in type_name if c.isalnum() or c == "_")
        cls = type(safe or "Exception", (Exception,), {})
    try:
        return cls(message)
    except Exception:  # noqa: BLE001 - odd constructors
        return RuntimeError(f"{type_name}: {message}")


class RemoteFunction:
    """A function of the student's notebook, called across the sandbox."""

    def __init__(self, session: Session, name: str):
        self.session = session
        self.__name__ = self.__qualname__ = name

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"

    def _encode_args(self, args, kwargs):
        def plain(v):
            if callable(v) and not isinstance(v, np.ndarray):
                return {"__callback__": self.session.callback_id(v)}
            return v
        return (tuple(plain(a) for a in args),
                {k: plain(v) for k, v in kwargs.items()})

    def _call(self, args, kwargs, watch=None):
        enc_args, enc_kwargs = self._encode_args(args, kwargs)
        message = {"op": "call", "name": self.__name__,
                   "timeout": self.session.limits.cell_timeout}
        try:
            reply = self.session.request(
                message, {"args": enc_args, "kwargs": enc_kwargs},
                timeout=self.session.limits.cell_timeout + 5, watch=watch)
        except WorkerLost as exc:
            raise RuntimeError(f"the notebook's process stopped "
                               f"({exc.kind}): {exc}") from None
        if reply.get("op") == "raise":
            raise _exception(str(reply.get("type", "Exception")),
                             str(reply.get("message", "")))
        if reply.get("op") != "return":
            raise RuntimeError("the notebook's process answered "
                               "something else")
        values = reply.get("values") or {}
        _reflect_changes(args, values.get("args_after"))
        return values.get("value")

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs)

    def measure_cpu(self, args=(), kwargs=None,
                    budget: float = 1.0) -> tuple[object, float, str]:
        """Call with the CPU time of the worker's process tree measured by
        the kernel: ``(result, seconds, status)``, status "ok" or "over"
        (then result is None). A call that runs past ``budget`` is
        interrupted; one that ignores the interrupt for INTERRUPT_GRACE
        seconds loses its worker. The worker's own clocks and counters
        play no part: they run in the student's process.
        """
        session = self.session
        start = session.cpu_seconds()
        over = False

        def watch():
            nonlocal over
            if not over and session.cpu_seconds() - start > budget:
                over = True
                session.interrupt()
                session.until = min(session.until,
                                    time.monotonic() + INTERRUPT_GRACE)

        try:
            result = self._call(args, kwargs or {}, watch=watch)
        except Exception:  # noqa: BLE001 - judged below
            if not over:
                raise
            result = None
        used = session.cpu_seconds() - start
        if over or used > budget:
            return None, used, "over"
        return result, used, "ok"


def _reflect_changes(args, after) -> None:
    """Copy in-place changes the student's function made back onto the
    caller's arrays, so mutation checks see them as they would locally."""
    if not isinstance(after, tuple) or len(after) != len(args):
        return
    for old, new in zip(args, after):
        if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) \
                and old.shape == new.shape and old.flags.writeable:
            try:
                if not np.array_equal(old, new, equal_nan=True):
                    np.copyto(old, new.astype(old.dtype, copy=False))
            except (TypeError, ValueError):
                pass
