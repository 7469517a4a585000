"""The wire format, the step counter and the worker session, in isolation.

The step counter (autograder.numerics.cost) serves plain nbgrader; the grade
command measures a call's CPU time from outside (measure_cpu).

The session tests run the worker without bubblewrap (the sandbox itself is
tested through the grade command in test_grade_command.py).
"""
from __future__ import annotations

import struct
import time

import numpy as np
import pytest

from autograder.numerics import cost
from autograder.worker import wire
from autograder.grading.remote import (INTERRUPT_IGNORED, RemoteFunction, Session,
                               WorkerLost)
from autograder.grading.sandbox import Limits, bwrap_path

# -- wire --------------------------------------------------------------------


def roundtrip(value):
    frame = wire.pack({"op": "x"}, {"v": value})
    head, pay = struct.unpack(">II", frame[:8])
    message = wire.unpack(frame[8:8 + head], frame[8 + head:])
    assert len(frame) == 8 + head + pay
    return message["values"]["v"]


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", (1, 2.0), [1, [2]], {"a": 1},
    np.float64(1.5), np.int32(7), np.bool_(True)])
def test_plain_values_roundtrip(value):
    got = roundtrip(value)
    assert got == value and type(got) is type(value)


def test_arrays_roundtrip_with_dtype_and_shape():
    for arr in (np.arange(6.0).reshape(2, 3), np.array([1, 2], np.int64),
                np.zeros((0, 3)), np.array(True), np.ones(3, np.float32)):
        got = roundtrip(arr)
        assert got.dtype == arr.dtype and got.shape == arr.shape
        assert np.array_equal(got, arr)


def test_non_finite_floats_roundtrip():
    got = roundtrip((float("nan"), float("inf"), -float("inf")))
    assert np.isnan(got[0]) and got[1] == np.inf and got[2] == -np.inf


def test_anything_else_becomes_opaque():
    class Sneaky(float):
        def __eq__(self, other):
            return True

    for value in (Sneaky(1.0), object(), np.array([object()]),
                  np.zeros(2).view(np.recarray), lambda: 0):
        assert isinstance(roundtrip(value), wire.Opaque)


def test_hostile_frames_are_rejected():
    good = wire.pack({"op": "x"}, {"v": np.ones(4)})
    head = struct.unpack(">I", good[:4])[0]
    header, payload = good[8:8 + head], good[8 + head:]
    with pytest.raises(wire.WireError):
        wire.unpack(header, payload[:-8])        # array data cut short
    with pytest.raises(wire.WireError):
        wire.unpack(header.replace(b"<f8", b"|O8"), payload)  # objects
    with pytest.raises(wire.WireError):
        wire.unpack(b"[1, 2]", b"")
    with pytest.raises(wire.WireError):
        wire.unpack(b"{not json", b"")
    deep = b'{"values": {"v": ' + b"[" * 100 + b"]" * 100 + b"}}"
    with pytest.raises(wire.WireError):
        wire.unpack(deep, b"")
    huge = struct.pack(">II", wire.MAX_HEADER + 1, 0)
    with pytest.raises(wire.WireError):
        wire.read_frame(lambda n, data=iter([huge]): next(data))


# -- step counter ------------------------------------------------------------


def loop(n):
    total = 0
    for i in range(n):
        total += i
    return total


def test_steps_grow_with_the_work_and_stop_at_the_budget():
    _, small, status = cost.measure(loop, (10,))
    _, large, _ = cost.measure(loop, (1000,))
    assert status == "ok" and large > 50 * small / 10
    result, steps, status = cost.measure(loop, (10 ** 7,), budget=5000)
    assert (result, status) == (None, "over") and steps <= 5002


def test_the_budget_survives_except_exception():
    def stubborn():
        while True:
            try:
                loop(100)
            except Exception:  # noqa: BLE001 - what a student might write
                pass

    _, _, status = cost.measure(stubborn, budget=5000)
    assert status == "over"


def test_switching_the_counter_off_is_noticed():
    import sys

    def sneaky():
        sys.settrace(None)
        return loop(10 ** 5)

    assert cost.measure(sneaky, budget=10 ** 4)[2] == "tampered"


# -- worker session ----------------------------------------------------------


@pytest.fixture
def session(tmp_path):
    s = Session(tmp_path, Limits(cell_timeout=5, notebook_timeout=60),
                use_sandbox=False)
    yield s
    s.close()


def test_cells_run_with_their_outputs(session):
    reply = session.run_cell("import numpy as np\nprint('hi')\nnp.ones(2)",
                             5)
    kinds = [o["output_type"] for o in reply["outputs"]]
    assert kinds == ["stream", "execute_result"]
    reply = session.run_cell("1 / 0", 5)
    assert reply["outputs"][0]["ename"] == "ZeroDivisionError"


def test_calls_return_plain_values_and_show_in_place_changes(session):
    session.run_cell("def f(a):\n    a[0] = 7.0\n    print(a)\n"
                     "    return a.sum(), a * 2", 5)
    a = np.arange(3.0)
    total, doubled = RemoteFunction(session, "f")(a)
    assert total == 10.0 and np.array_equal(doubled, [14.0, 2.0, 4.0])
    assert a[0] == 7.0                       # the change came back
    # what f printed during the call went nowhere
    assert session.run_cell("pass", 5)["outputs"] == []


def test_exceptions_callbacks_and_lookups(session):
    session.run_cell("import numpy as np\nx = np.ones(2)\n"
                     "def g(F, t):\n    return F(t) + 1\n"
                     "def h():\n    raise NotImplementedError()", 5)
    assert RemoteFunction(session, "g")(lambda t: float(np.sum(t)),
                                        np.ones(4)) == 5.0
    with pytest.raises(NotImplementedError):
        RemoteFunction(session, "h")()
    with pytest.raises(NameError):
        RemoteFunction(session, "missing")()
    assert session.lookup("np") == ("module", "numpy")
    assert session.lookup("g") == ("callable", None)
    kind, value = session.lookup("x")
    assert kind == "value" and np.array_equal(value, [1.0, 1.0])
    assert session.lookup("nothing") == ("missing", None)
    many = session.lookup_many(["np", "g", "x", "nothing"])
    assert list(many) == ["np", "g", "x", "nothing"]
    assert many["np"] == ("module", "numpy") and many["g"] == (
        "callable", None) and many["nothing"] == ("missing", None)
    assert many["x"][0] == "value" and np.array_equal(many["x"][1], [1, 1])


def test_a_garbled_lookup_many_falls_back_to_one_lookup_per_name(session):
    """A notebook that rewrites the worker's batch reply (wrong rows,
    names it was not asked) gets each name looked up on its own."""
    session.run_cell("import numpy as np\nx = 3.0\n"
                     "import gc\n"
                     "worker, = [o for o in gc.get_objects()\n"
                     "           if type(o).__name__ == 'Worker']\n"
                     "send = worker.send\n"
                     "def fake(message, values=None):\n"
                     "    if message.get('op') == 'kinds':\n"
                     "        message = {'op': 'kinds', 'kinds': [['x', "
                     "'module', 'os'], ['evil', 'value', ''], 'junk']}\n"
                     "    send(message, values)\n"
                     "worker.send = fake", 5)
    many = session.lookup_many(["x", "np"])
    assert many["x"] == ("module", "os")       # a claim, as any lookup is
    assert many["np"] == ("module", "numpy")   # asked again on its own
    assert "evil" not in many


def test_a_test_cells_reply_answers_the_lookup_that_follows(session):
    """run_cell with names: the lookup_many of those names right after
    takes no round trip of its own and answers as one would; any request
    in between, or other names, and it is asked again."""
    names = ("x", "f", "np", "missing")
    session.run_cell("import numpy as np\nx = 2.0\ndef f():\n    pass", 5,
                     names)
    sent = []
    request = session.request
    session.request = lambda message, *a, **k: (
        sent.append(message["op"]) or request(message, *a, **k))
    many = session.lookup_many(names)
    assert sent == []
    assert many == {"x": ("value", 2.0), "f": ("callable", None),
                    "np": ("module", "numpy"), "missing": ("missing", None)}
    assert session.lookup_many(names) == many and sent == ["lookup_many"]

    session.run_cell("pass", 5, ("x",))
    session.run_cell("x = 5.0", 5)
    assert session.lookup_many(["x"]) == {"x": ("value", 5.0)}
    session.run_cell("pass", 5, ("x",))
    assert session.lookup_many(["f"]) == {"f": ("callable", None)}
    assert sent[1:] == ["cell", "cell", "lookup_many", "cell",
                        "lookup_many"]


def test_a_garbled_answer_with_a_cell_falls_back_to_lookups(session):
    """A notebook that forges the kinds its cells' replies carry gets
    each name it garbled looked up on its own, as with lookup_many."""
    session.run_cell("import numpy as np\nx = 3.0\n"
                     "import gc\n"
                     "worker, = [o for o in gc.get_objects()\n"
                     "           if type(o).__name__ == 'Worker']\n"
                     "worker.kinds = lambda names: ([['x', 'module', 'os'],\n"
                     "    ['evil', 'value', ''], 'junk'], {})", 5)
    session.run_cell("pass", 5, ("x", "np"))
    many = session.lookup_many(["x", "np"])
    assert many["x"] == ("module", "os")       # a claim, as any lookup is
    assert many["np"] == ("module", "numpy")   # asked again on its own
    assert "evil" not in many


def test_cell_timeout(session):
    reply = session.run_cell("import time\ntime.sleep(30)", 1)
    assert reply["timed_out"]
    assert session.run_cell("6 * 7", 5)["outputs"][0]["data"] == {
        "text/plain": "42"}


BUSY = """
import os, time
from time import process_time as _clock   # the tricks below patch time
def busy(seconds):
    start = _clock()
    while _clock() - start < seconds:
        pass
    return seconds
"""


def test_measured_calls_read_cpu_time_from_the_kernel(session):
    session.run_cell(BUSY, 5)
    f = RemoteFunction(session, "busy")
    result, used, status = f.measure_cpu((0.0,), {}, budget=0.5)
    assert (result, status) == (0.0, "ok") and used < 0.1
    result, used, status = f.measure_cpu((0.3,), {}, budget=2.0)
    assert (result, status) == (0.3, "ok") and 0.25 <= used <= 0.6


def test_an_expensive_call_is_stopped_at_its_budget(session):
    session.run_cell(BUSY, 5)
    started = time.monotonic()
    result, used, status = RemoteFunction(session, "busy").measure_cpu(
        (30.0,), {}, budget=0.2)
    assert (result, status) == (None, "over")
    assert time.monotonic() - started < 2.0 and used < 1.0
    # the worker answered the interrupt and serves on
    assert RemoteFunction(session, "busy")(0.0) == 0.0


@pytest.mark.parametrize("trick", [
    # the student's process lies about its clocks: no effect outside
    "time.process_time = lambda: 0.0\nos.times = lambda: "
    "os.times_result((0.0,) * 5)\nimport resource\n"
    "resource.getrusage = lambda who: None",
    # the work happens in a thread, or in a child process
    "import threading\n_busy = busy\ndef busy(seconds):\n"
    "    t = threading.Thread(target=_busy, args=(seconds,))\n"
    "    t.start(); t.join(); return seconds",
    "_busy = busy\ndef busy(seconds):\n    pid = os.fork()\n"
    "    if pid == 0:\n        _busy(seconds); os._exit(0)\n"
    "    os.waitpid(pid, 0); return seconds",
])
def test_the_cost_cannot_be_hidden(session, trick):
    session.run_cell(BUSY + "\n" + trick, 5)
    _, used, status = RemoteFunction(session, "busy").measure_cpu(
        (0.4,), {}, budget=5.0)
    assert status == "ok" and used >= 0.3, used
    _, _, status = RemoteFunction(session, "busy").measure_cpu(
        (0.4,), {}, budget=0.1)
    assert status == "over"


def test_a_call_that_ignores_the_interrupt_loses_its_worker(session):
    session.run_cell(BUSY + "import signal\n_busy = busy\n"
                     "def busy(seconds):\n"
                     "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                     "    return _busy(seconds)", 5)
    started = time.monotonic()
    result, _, status = RemoteFunction(session, "busy").measure_cpu(
        (30.0,), {}, budget=0.1)
    assert (result, status) == (None, "over")
    assert time.monotonic() - started < 5.0
    assert session.lost is not None and session.lost.kind == "timeout"
    assert str(session.lost) == INTERRUPT_IGNORED


def test_a_dying_worker_ends_the_session_not_the_grader(session):
    with pytest.raises(WorkerLost) as lost:
        session.run_cell("import os\nos._exit(1)", 5)
    assert lost.value.kind == "crashed"
    with pytest.raises(WorkerLost):
        session.lookup("x")


def test_a_worker_writing_garbage_is_cut_off(session):
    session.run_cell("import os\ndef f():\n    for fd in range(3, 30):\n"
                     "        try:\n"
                     "            os.write(fd, b'\\x00\\x00\\x00\\x05{bad}')\n"
                     "        except OSError:\n            pass\n", 5)
    with pytest.raises(RuntimeError, match="stopped"):
        RemoteFunction(session, "f")()
    assert session.lost.kind == "corrupt"


@pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")
def test_the_sandboxed_worker_finds_its_bytecode(tmp_path):
    """The worker's modules load from the bytecode bound beside them,
    current for their source (not compiled again at every start)."""
    s = Session(tmp_path, Limits(cell_timeout=5, notebook_timeout=60))
    try:
        reply = s.run_cell(
            "import importlib.util, os, sys\n"
            "m = sys.modules['autograder.worker.wire']\n"
            "data = open(m.__cached__, 'rb').read(16)\n"
            "print(data[:4] == importlib.util.MAGIC_NUMBER,\n"
            "      int.from_bytes(data[8:12], 'little')\n"
            "      == int(os.stat(m.__file__).st_mtime),\n"
            "      m.__file__)", 5)
    finally:
        s.close()
    text = reply["outputs"][0]["text"]
    assert text.split()[:2] == ["True", "True"], text
    assert text.split()[2].startswith("/run/grader/"), text
