"""The sandboxed worker: runs a student's notebook and answers calls.

    python -I -c BOOT --output-limit N   (inside bubblewrap, from the
                                         read-only copy of this module
                                         that autograder.grading.sandbox_view binds)

It speaks autograder.worker.wire frames on stdin/stdout with the trusted grader:

- ``{"op": "cell", "source": ..., "timeout": s}``: run one cell in an
  IPython shell (this process is the kernel: no ZMQ, no second process);
  the reply carries the cell's outputs in nbformat's shape. With
  ``"names": [...]`` it also carries what lookup_many would answer next.
- ``{"op": "lookup", "name": ...}``: what a global of the notebook is;
  ``{"op": "lookup_many", "names": [...]}``: the same for several, in one
  reply.
- ``{"op": "call", "name": ..., values: args, kwargs}``: call a function
  of the notebook on plain arrays; the reply carries the plain result and
  the array arguments the call changed, as they are afterwards (so the
  grader sees in-place changes). Arguments the grader marks as callbacks
  become functions that ask the grader (for numerical_gradient's ``f``).
  SIGALRM interrupts a running call or cell: the worker's own timeouts
  use it, and so does the grader, which measures a call's cost from
  outside (autograder.grading.cputime).

Nothing here is trusted: student code runs in this very process and may
replace any of it. The grader judges only the plain values that come back,
with its own checks, so tampering can only make answers wrong. This module
must import nothing from the grader's checks or reference answers, which
are not in the sandbox at all.
"""
from __future__ import annotations

import io
import os
import signal
import sys

import numpy as np

from . import shell, wire

OUTPUT_LIMIT = 2_000_000


class CellTimeoutError(BaseException):
    """A cell ran out of time (BaseException: ``except Exception`` in a
    cell must not swallow it)."""


class Outputs:
    """Outputs of the running cell, capped across the whole notebook."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.items: list[dict] = []
        self.truncated = False

    def _room(self, size: int) -> bool:
        if self.used + size > self.limit:
            if not self.truncated:
                self.truncated = True
                self.items.append({
                    "output_type": "stream", "name": "stderr",
                    "text": "[output truncated: the notebook printed more "
                    f"than {self.limit} bytes]\n"})
            return False
        self.used += size
        return True

    def stream(self, name: str, text: str) -> None:
        if not self._room(len(text)):
            return
        last = self.items[-1] if self.items else None
        # chunks, joined once when the cell ends: appending to one string
        # would copy it for every print
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"].append(text)
        else:
            self.items.append({"output_type": "stream", "name": name,
                               "text": [text]})

    def finish(self) -> list[dict]:
        """The cell's outputs, stream chunks joined."""
        for item in self.items:
            if item["output_type"] == "stream" and isinstance(
                    item["text"], list):
                item["text"] = "".join(item["text"])
        return self.items

    def data(self, kind: str, data: dict, count=None) -> None:
        data = {k: v for k, v in data.items() if isinstance(v, str)}
        if not self._room(sum(len(v) for v in data.values())):
            return
        out = {"output_type": kind, "data": data, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = count
        self.items.append(out)

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        size = len(evalue) + sum(len(t) for t in traceback)
        if not self._room(min(size, 10_000)):
            traceback = traceback[-3:]
        self.items.append({"output_type": "error", "ename": ename,
                           "evalue": evalue[:10_000],
                           "traceback": [t[:10_000] for t in traceback]})


class CapturedStream(io.TextIOBase):
    """sys.stdout / sys.stderr of the cells."""

    def __init__(self, name: str, sink):
        self.name_ = name
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.sink().stream(self.name_, text)
        return len(text)

    def flush(self) -> None:
        pass


class Worker:
    def __init__(self, read_exactly, write):
        self.read_exactly = read_exactly
        self.write = write
        self.outputs = Outputs(OUTPUT_LIMIT)
        self.shell = None

    # -- channel -------------------------------------------------------------

    def send(self, message: dict, values: dict | None = None) -> None:
        try:
            frame = wire.pack(message, values)
        except (TypeError, ValueError) as exc:
            frame = wire.pack({"op": "raise", "type": "TypeError",
                               "message": f"could not send result: {exc}"})
        self.write(frame)

    def receive(self) -> dict:
        return wire.read_frame(self.read_exactly)

    # -- cells ---------------------------------------------------------------

    def run_cell(self, message: dict) -> None:
        if self.shell is None:
            self.shell = shell.take(lambda: self.outputs)
        self.outputs.items = []
        timeout = arm_alarm(message, "this cell")
        timed_out = False
        try:
            result = self.shell.run_cell(message["source"],
                                         store_history=True)
            error = result.error_before_exec or result.error_in_exec
            timed_out = isinstance(error, CellTimeoutError)
        except CellTimeoutError:
            timed_out = True
        finally:
            disarm_alarm()
        if timed_out and not any(o["output_type"] == "error"
                                 for o in self.outputs.items):
            self.outputs.error("CellTimeoutError",
                               f"this cell ran longer than {timeout:g} s",
                               [f"CellTimeoutError: this cell ran longer "
                                f"than {timeout:g} s"])
        reply = {"op": "cell_done", "outputs": self.outputs.finish(),
                 "execution_count": self.shell.execution_count - 1,
                 "timed_out": timed_out}
        names = message.get("names")
        if isinstance(names, list):
            # the lookup the grader makes next, answered now (nothing runs
            # in between): one round trip per test cell instead of two
            kinds, values = self.kinds(names)
            # not self.send: its fallback is an error, this one the plain
            # reply (and a notebook may have replaced send, signature
            # and all: tests/test_cheating.py REPLACE_REPLY)
            try:
                self.write(wire.pack({**reply, "kinds": kinds},
                                     {"values": values}))
                return
            except (TypeError, ValueError):
                pass  # the grader asks again (lookup_many)
        self.send(reply)

    # -- calls ---------------------------------------------------------------

    def namespace(self) -> dict:
        return self.shell.user_ns if self.shell is not None else {}

    @staticmethod
    def _kind(ns: dict, name: str) -> tuple[str, str]:
        """(kind, module name) of a global: "missing", "module",
        "callable" or "value"."""
        if name not in ns:
            return "missing", ""
        value = ns[name]
        if type(value).__name__ == "module":
            return "module", str(getattr(value, "__name__", ""))
        return ("callable" if callable(value) else "value"), ""

    def kinds(self, names: list) -> tuple[list, dict]:
        """What each of ``names`` is: [name, kind, module] triples, and
        the values of the "value" ones."""
        ns = self.namespace()
        kinds, values = [], {}
        for name in names[:1000]:
            name = str(name)
            kind, module = self._kind(ns, name)
            kinds.append([name, kind, module])
            if kind == "value":
                values[name] = ns[name]
        return kinds, values

    def lookup_many(self, message: dict) -> None:
        """What each of ``names`` is, in one reply (see kinds)."""
        names = message.get("names", [])
        kinds, values = self.kinds(names if isinstance(names, list) else [])
        self.send({"op": "kinds", "kinds": kinds}, {"values": values})

    def lookup(self, message: dict) -> None:
        name = str(message.get("name", ""))
        ns = self.namespace()
        kind, module = self._kind(ns, name)
        if kind == "module":
            self.send({"op": "kind", "kind": kind, "module": module})
        elif kind == "value":
            self.send({"op": "kind", "kind": kind}, {"value": ns[name]})
        else:
            self.send({"op": "kind", "kind": kind})

    def callback(self, ident: int):
        def ask_grader(*args, **kwargs):
            self.send({"op": "callback", "id": ident},
                      {"args": tuple(args), "kwargs": kwargs})
            reply = self.receive()
            if reply.get("op") != "return":
                raise RuntimeError(str(reply.get("message", "callback "
                                                 "failed"))[:500])
            return reply["values"]["value"]
        return ask_grader

    def _bind_callbacks(self, value):
        if isinstance(value, dict) and set(value) == {"__callback__"}:
            return self.callback(int(value["__callback__"]))
        return value

    def call(self, message: dict) -> None:
        func = self.namespace().get(str(message.get("name", "")))
        if func is None or not callable(func):
            self.send({"op": "raise", "type": "NameError",
                       "message": f"name {message.get('name')!r} is not "
                       "defined"})
            return
        values = message.get("values", {})
        args = [self._bind_callbacks(a) for a in values.get("args", ())]
        kwargs = {k: self._bind_callbacks(v)
                  for k, v in values.get("kwargs", {}).items()}
        # copies to tell which arguments the call changed: only those go
        # back (sending every argument back doubled a call's traffic)
        before = [_copy(a) for a in args]
        arm_alarm(message, "the call")
        # What the function prints while the grader calls it is dropped:
        # it could be the hidden inputs, and no cell is running.
        cell_outputs, self.outputs = self.outputs, Outputs(0)
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - report, keep serving
            self.send({"op": "raise", "type": type(exc).__name__[:100],
                       "message": _text(exc)})
            return
        finally:
            disarm_alarm()
            self.outputs = cell_outputs
        self.send({"op": "return"},
                  {"value": result, "args_after": tuple(
                      a if _changed(a, b) else None
                      for a, b in zip(args, before))})

    # -- loop ----------------------------------------------------------------

    def serve(self) -> None:
        handlers = {"cell": self.run_cell, "lookup": self.lookup,
                    "lookup_many": self.lookup_many, "call": self.call}
        while True:
            try:
                message = self.receive()
            except EOFError:
                return
            op = message.get("op")
            if op == "exit":
                return
            handler = handlers.get(op)
            if handler is None:
                self.send({"op": "raise", "type": "ProtocolError",
                           "message": f"unknown op {op!r}"})
            else:
                handler(message)


def arm_alarm(message: dict, what: str) -> float:
    """Raise CellTimeoutError in ``message["timeout"]`` seconds (none when
    0); the caller disarms it. Returns the timeout."""
    timeout = float(message.get("timeout") or 0)

    def on_alarm(signum, frame):
        raise CellTimeoutError(f"{what} ran longer than {timeout:g} s")

    signal.signal(signal.SIGALRM, on_alarm)
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    return timeout


def disarm_alarm() -> None:
    """No alarm between requests: a late one (the grader's interrupt
    crossing the reply) must not hit the loop that reads requests."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)


def _copy(value):
    """A copy of an array argument (None for anything else)."""
    return value.copy() if type(value) is np.ndarray else None


def _changed(value, before) -> bool:
    """Whether the call changed the array argument ``value`` (whose copy
    from before the call is ``before``); the grader copies such changes
    onto its own arrays."""
    if before is None or type(value) is not np.ndarray:
        return False
    try:
        return value.shape != before.shape or value.dtype != before.dtype \
            or not np.array_equal(value, before, equal_nan=True)
    except Exception:  # noqa: BLE001 - the student's array, send it
        return True


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a student's __str__ may raise
        return "<unprintable exception>"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--output-limit", type=int, default=OUTPUT_LIMIT)
    limit = parser.parse_args(argv).output_limit
    disarm_alarm()
    # The channel moves to private descriptors; fds 0-2 become /dev/null,
    # so a student's os.write(1, ...) cannot corrupt a frame by accident.
    channel_in = os.fdopen(os.dup(0), "rb", buffering=0)
    channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    sys.stdin = io.StringIO("")
    worker = Worker(wire.file_reader(channel_in), channel_out.write)
    worker.outputs = Outputs(limit)
    sys.stdout = CapturedStream("stdout", lambda: worker.outputs)
    sys.stderr = CapturedStream("stderr", lambda: worker.outputs)
    worker.serve()
    return 0


if __name__ == "__main__":
    os._exit(main())
