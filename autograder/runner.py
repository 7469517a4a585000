"""Execute one notebook; runs INSIDE the sandbox, next to student code.

    python -m autograder.runner IN.ipynb OUT.ipynb [--cell-timeout S]
                                [--output-limit BYTES]

Like nbgrader's Execute preprocessor (errors allowed, a timed-out cell is
interrupted), with what grading a class needs on top:

- the kernel talks over IPC sockets in the private /tmp, never TCP ports,
  which parallel kernel starts race for;
- outputs are capped while they stream in: a flood of prints costs at most
  ``--output-limit`` bytes of memory and of OUT.ipynb;
- OUT.ipynb is rewritten after every cell, so the points of cells that ran
  survive a kernel that dies or a hard kill of the whole sandbox;
- cells that never ran get an error output, so they score 0 (nbgrader
  counts a test cell without an error as passed);
- the kernel is killed at the end, not shut down gracefully (slow).

Nothing here is trusted: the grader only reads OUT.ipynb as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time

# jsonschema (imported by nbformat) imports rfc3987_syntax when installed,
# which builds a grammar for ~1.8 s: a third of a notebook's grading time.
# Notebook validation here never checks that URI format.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa

NOT_RUN = "NotRun"


def not_run_output(reason: str) -> nbformat.NotebookNode:
    """The error output of a cell that never ran."""
    return nbformat.v4.new_output(
        "error", ename=NOT_RUN, evalue=reason,
        traceback=[f"{NOT_RUN}: {reason}"])


class CappedClient(NotebookClient):
    """NotebookClient whose outputs stop growing past ``output_limit``."""

    def __init__(self, nb, output_limit: int, checkpoint: str, **kw):
        super().__init__(nb, **kw)
        self.output_limit = output_limit
        self.output_used = 0
        self.truncated = set()
        self.checkpoint = checkpoint

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + len(
            str(content.get("data", ""))) + len(str(content.get(
                "traceback", "")))
        if self.output_used + size > self.output_limit:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text="[output truncated: the notebook printed more than "
                    f"{self.output_limit} bytes]\n"))
            return None
        self.output_used += size
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        """Charge the cell that ran out of time, then stop: a kernel that
        ignores SIGINT would make every later cell wait out its timeout."""
        if cell is not None:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="CellTimeoutError",
                evalue=f"this cell ran longer than {timeout} s",
                traceback=[f"CellTimeoutError: this cell ran longer than "
                           f"{timeout} s"]))
        raise CellTimeoutError.error_from_timeout_and_cell(
            "Cell execution timed out", timeout, cell)

    async def async_execute_cell(self, cell, cell_index, **kw):
        try:
            return await super().async_execute_cell(cell, cell_index, **kw)
        finally:
            save(self.nb, self.checkpoint)


def save(nb, path: str) -> None:
    """Write atomically, so a kill never leaves half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        # plain JSON: nbformat.write validates the whole notebook against
        # its schema each time, which cost more than running most cells
        json.dump(nb, f)
    os.replace(tmp, path)


KERNEL_DIED = ("the kernel died (a crash, os._exit or running out of "
               "memory) before this cell ran")


FINISHED = threading.Event()


def watch_kernel(km, nb, dest: str) -> None:
    """Exit when the kernel process is gone.

    nbclient 0.11 can wait forever for a reply from a kernel that called
    os._exit: this thread notices the dead process, saves what ran and
    ends the runner.
    """
    while True:
        time.sleep(0.5)
        if FINISHED.is_set():
            return
        if km.has_kernel and not km.is_alive() and not FINISHED.is_set():
            mark_unrun(nb, 0, KERNEL_DIED)
            save(nb, dest)
            os._exit(3)


def mark_unrun(nb, start: int, reason: str) -> None:
    for cell in nb.cells[start:]:
        if cell.cell_type == "code" and not cell.get("outputs") \
                and cell.get("execution_count") is None:
            cell.outputs = [not_run_output(reason)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("src")
    parser.add_argument("dest")
    parser.add_argument("--cell-timeout", type=float, default=120)
    parser.add_argument("--output-limit", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    km = KernelManager(kernel_name="python3", transport="ipc",
                       ip=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                       "kernel-ipc"))
    client = CappedClient(
        nb, output_limit=args.output_limit, checkpoint=args.dest, km=km,
        timeout=args.cell_timeout, allow_errors=True,
        interrupt_on_timeout=True, record_timing=False,
        resources={"metadata": {"path": os.path.dirname(
            os.path.abspath(args.src))}})
    threading.Thread(target=watch_kernel, args=(km, nb, args.dest),
                     daemon=True).start()
    status = 0
    try:
        client.execute(cleanup_kc=False)
    except DeadKernelError:
        status = 3
        mark_unrun(nb, 0, KERNEL_DIED)
    except CellTimeoutError:
        status = 4
        mark_unrun(nb, 0, "an earlier cell ran out of time")
    finally:
        FINISHED.set()
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - the kernel may be gone already
            pass
    save(nb, args.dest)
    return status


if __name__ == "__main__":
    sys.exit(main())
