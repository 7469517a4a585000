"""Run one submission: cells in the sandboxed worker, verdicts outside.

For every notebook of a job: start a worker (autograder.grading.remote), send it
the cells one by one, with the hidden test blocks removed; right after a
test cell ran in the student's process, judge the same cell, hidden checks
included, in this process (autograder.grading.judge) while the notebook's state is
what nbgrader's own run would test. A test cell passes when it ran without
error in the notebook AND outside: tampering inside can only lower a
score. When the notebook said "passed" and the outside run of the very
same visible tests failed, or when a cell that must fail did not, the
submission is flagged.

Plain data comes back (outputs as nbformat dicts, verdicts, flags), so
this runs on a local thread or a Dask worker alike.
"""
from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
import threading
import time
from pathlib import Path

from . import judge, sandbox
from .pipeline import job_notebook
from ..notebook import DEFAULT, Markers, is_test_cell, plots
from .remote import INTERRUPT_IGNORED, Session, WorkerLost

NOT_RUN = "NotRun"
#: The preflight's cgroup slot; submissions use slots 0-999.
PREFLIGHT_SLOT = 1000
KERNEL_DIED = ("the notebook's process died (a crash, os._exit or running "
               "out of memory) before this cell ran")


def not_run_output(reason: str) -> dict:
    """The error output of a cell that never ran (scores 0)."""
    return {"output_type": "error", "ename": NOT_RUN, "evalue": reason,
            "traceback": [f"{NOT_RUN}: {reason}"]}


def execute_job(job: dict, limits: sandbox.Limits, use_sandbox: bool = True,
                slot: int = 0) -> dict:
    """Run every notebook of a job; plain data back."""
    one_blas_thread()
    results = {}
    for name, text in job["notebooks"].items():
        with scratch_folder(job["files"]) as scratch:
            results[name] = run_notebook(
                job_notebook(text), scratch, limits,
                job.get("seed", 0), slot, use_sandbox,
                Markers(*job.get("markers", (DEFAULT.begin, DEFAULT.end))))
    return results


_blas_lock = threading.Lock()
_blas_limited = False


def one_blas_thread() -> None:
    """This process's own linear algebra on one thread, from now on.

    The grading pool already keeps every core busy with workers (whose
    BLAS has one thread: sandbox.sandbox_env); a threaded BLAS here only
    spins on the cores they need. Grading a cross_entropy notebook (the
    reference evaluations of its 200,000-weight cost problem) took 247
    ms of CPU with two BLAS threads, 150 ms with one. Once per process
    (local threads and a Dask worker's alike)."""
    global _blas_limited
    with _blas_lock:
        if _blas_limited:
            return
        _blas_limited = True
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # an environment without it grades the same
            logging.getLogger(__name__).info(
                "threadpoolctl is missing: the grader's BLAS may use "
                "several threads")
            return
        threadpool_limits(1, user_api="blas")


@contextlib.contextmanager
def scratch_folder(files: dict[str, bytes]):
    """A fresh folder holding ``files`` (relative path -> bytes), the
    sandbox's writable /tmp/submission; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        scratch = Path(tmp) / "work"
        scratch.mkdir()
        for rel, data in files.items():
            dest = scratch / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        yield scratch


def run_notebook(nb, scratch: Path, limits: sandbox.Limits, seed: int,
                 slot: int = 0, use_sandbox: bool = True,
                 markers: Markers = DEFAULT) -> dict:
    """Outputs per code cell, outside verdicts per test cell, flags."""
    start = time.monotonic()
    outputs: dict[int, list] = {}
    counts: dict[int, int] = {}
    verdicts: dict[str, dict] = {}
    flags: list[str] = []
    status, detail = "ok", ""
    session = Session(scratch, limits, slot, use_sandbox, plots(nb))
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            test = is_test_cell(cell)
            source = judge.strip_hidden(cell.source, markers) if test \
                else cell.source
            # a test cell's reply also says what judging it looks up
            reply = session.run_cell(source, limits.cell_timeout,
                                     judge.cell_names(cell.source)
                                     if test else ())
            outputs[i] = _clean_outputs(reply.get("outputs"))
            counts[i] = _count(reply.get("execution_count"))
            if test:
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                verdicts[grade_id] = _judge_cell(session, cell.source,
                                                 outputs[i], seed, flags,
                                                 grade_id, markers)
            if reply.get("timed_out"):
                status = "timeout"
                detail = (f"a cell ran longer than {limits.cell_timeout:g}"
                          " s and was stopped")
                break
        if status == "ok":
            _canary(session, limits, flags)
    except WorkerLost as exc:
        status = {"timeout": "timeout", "corrupt": "crashed"}.get(
            exc.kind, "crashed")
        detail = _lost_detail(exc, limits, session)
        if exc.kind == "corrupt":
            flags.append("the notebook's process garbled its replies to "
                         "the grader (writing into its channel?)")
    finally:
        session.close()
    flags += session.events
    reason = detail or "the notebook did not run to the end"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and i not in outputs \
                and cell.source.strip():
            outputs[i] = [not_run_output(
                KERNEL_DIED if status == "crashed" else reason)]
    for cell in nb.cells:
        if is_test_cell(cell):
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            verdicts.setdefault(grade_id, {"passed": False, "diagnosis":
                                           f"not run: {reason}",
                                           "hidden": False})
    return {"status": status, "detail": detail,
            "seconds": round(time.monotonic() - start, 3),
            "outputs": {str(i): o for i, o in outputs.items()},
            "counts": {str(i): c for i, c in counts.items()},
            "verdicts": verdicts, "flags": flags}


def preflight(limits: sandbox.Limits, use_sandbox: bool = True,
              pyplot: bool = False) -> str:
    """Why no worker can run here ("" when one starts and runs a cell).

    A sandbox that cannot start at all (say, bwrap may not create
    namespaces in this container) would otherwise end every submission
    of the class as "crashed"; this tells the instructor once, with the
    sandbox's own message. ``pyplot``: the notebooks plot (the worker
    comes from the fork server they will use).
    """
    with scratch_folder({}) as scratch:
        session = Session(scratch, limits, PREFLIGHT_SLOT, use_sandbox,
                          pyplot)
        try:
            reply = session.run_cell("6 * 7", limits.cell_timeout)
            outs = _clean_outputs(reply.get("outputs"))
            if not any("42" in o.get("data", {}).get("text/plain", "")
                       for o in outs):
                return f"a test cell gave {outs!r:.300} instead of 42"
            return ""
        except WorkerLost as exc:
            tail = session.log_tail()
            return f"the worker {exc.kind}: {exc}" + (
                f"; it said: {tail}" if tail else "")
        finally:
            session.close()


def _judge_cell(session, source, outputs, seed, flags, grade_id,
                markers) -> dict:
    """Judge one test cell outside; append its error to ``outputs``."""
    inside_ok = not any(o["output_type"] == "error" for o in outputs)
    whole, visible = judge.judge(session, source, seed, markers)
    if not whole.passed:
        outputs.append(whole.output())
    if inside_ok and visible is not None and not visible.passed:
        flags.append(f"{grade_id}: passed inside the notebook, but its "
                     f"visible tests fail when the grader runs them "
                     f"({visible.ename}: {visible.evalue[:200]})")
    passed = whole.passed and inside_ok
    diagnosis = "" if passed else (
        f"{whole.ename}: {whole.evalue}" if not whole.passed else
        _first_error(outputs))
    return {"passed": passed, "diagnosis": diagnosis[:2000],
            "hidden": whole.hidden}


def _canary(session: Session, limits, flags: list[str]) -> None:
    """A last cell that must print and fail: if it does not, the notebook
    suppresses errors or rewrites cells (input transformers, a patched
    run_cell or traceback display)."""
    word, nonce = secrets.token_hex(8), secrets.token_hex(8)
    reply = session.run_cell(f"print({word!r})\nassert False, {nonce!r}",
                             limits.cell_timeout)
    outs = _clean_outputs(reply.get("outputs"))
    printed = any(word in o.get("text", "") for o in outs
                  if o["output_type"] == "stream")
    failed = any(o["output_type"] == "error" and nonce in o["evalue"]
                 for o in outs)
    if not (printed and failed):
        flags.append("the notebook suppresses errors or rewrites cells: a "
                     "check cell that must fail "
                     + ("did not run" if not printed else "reported no "
                        "error"))


def _lost_detail(exc: WorkerLost, limits, session) -> str:
    if exc.kind == "timeout":
        if str(exc) == INTERRUPT_IGNORED:
            return f"the notebook's process stopped: {INTERRUPT_IGNORED}"
        if time.monotonic() >= session.deadline:
            return (f"the notebook ran longer than "
                    f"{limits.notebook_timeout:g} s in total and was "
                    "stopped")
        return (f"a cell ran longer than {limits.cell_timeout:g} s and was "
                "stopped")
    if exc.kind == "corrupt":
        return f"the notebook's process broke the protocol: {exc}"
    tail = session.log_tail()
    if tail:
        return f"the notebook's process could not start: {tail}"
    return ("the kernel died (os._exit, a crash, or the memory limit)")


def _first_error(outputs: list[dict]) -> str:
    for o in outputs:
        if o["output_type"] == "error":
            return f"{o['ename']}: {o['evalue']}"
    return ""


def _count(value):
    return value if type(value) is int and value >= 0 else None


def _text(value, limit: int = 2_000_000) -> str:
    if isinstance(value, list):
        value = "".join(v for v in value if isinstance(v, str))
    return value[:limit] if isinstance(value, str) else ""


def _clean_outputs(raw) -> list[dict]:
    """nbformat outputs rebuilt from what the worker sent (untrusted):
    known types and string fields only."""
    outs = []
    for o in raw if isinstance(raw, list) else []:
        if not isinstance(o, dict):
            continue
        kind = o.get("output_type")
        if kind == "stream" and o.get("name") in ("stdout", "stderr"):
            outs.append({"output_type": "stream", "name": o["name"],
                         "text": _text(o.get("text"))})
        elif kind in ("display_data", "execute_result") \
                and isinstance(o.get("data"), dict):
            data = {str(k)[:100]: _text(v) for k, v in o["data"].items()
                    if isinstance(v, (str, list))}
            out = {"output_type": kind, "data": data, "metadata": {}}
            if kind == "execute_result":
                out["execution_count"] = _count(o.get("execution_count"))
            outs.append(out)
        elif kind == "error":
            tb = o.get("traceback")
            outs.append({"output_type": "error",
                         "ename": _text(o.get("ename"), 200),
                         "evalue": _text(o.get("evalue"), 10_000),
                         "traceback": [_text(t, 10_000) for t in tb[:200]]
                         if isinstance(tb, list) else []})
    return outs
