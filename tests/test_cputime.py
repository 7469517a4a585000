"""The kernel's account of a process tree's CPU time (autograder.grading.cputime).

The grade command's cost verdicts rest on it, so it must count every
process and thread of the tree, those that already ended included. (In
the sandbox an orphan is reaped by bubblewrap's init, which is in the
tree: tests/test_remote.py and tests/test_cheating.py measure workers.)
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from autograder.grading import cputime

BUSY = textwrap.dedent("""
    import os, sys, threading, time

    def busy(seconds):
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass

    how = sys.argv[1]
    if how == "thread":
        t = threading.Thread(target=busy, args=(0.3,))
        t.start(); t.join()
    elif how in ("child", "zombie"):
        pid = os.fork()
        if pid == 0:
            busy(0.3); os._exit(0)
        if how == "child":
            os.waitpid(pid, 0)
        else:                       # ended, not reaped: a zombie
            while open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z":
                time.sleep(0.01)
    elif how == "odd name":        # /proc/PID/stat: "pid (x) (y z) S ..."
        import ctypes
        ctypes.CDLL(None).prctl(15, b"x) (y z", 0, 0, 0)
        busy(0.3)
    else:
        busy(0.3)
    print("done", flush=True)
    sys.stdin.read()                # wait until the test has measured
""")


def _run(how: str) -> tuple[float, subprocess.Popen]:
    proc = subprocess.Popen([sys.executable, "-c", BUSY, how],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "done"
    return cputime.cpu_seconds(proc.pid), proc


def _finish(proc: subprocess.Popen) -> None:
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.mark.parametrize("how", ["main", "thread", "child", "zombie",
                                 "odd name"])
def test_every_process_and_thread_of_the_tree_counts(how):
    """The process, its threads, its children once reaped and before
    (a zombie), whatever its name (/proc/PID/stat: "pid (x) (y z) ...")."""
    used, proc = _run(how)
    try:
        assert 0.25 <= used <= 1.0, (how, used)
    finally:
        _finish(proc)


def test_trees_read_together_count_each_process_once():
    used, proc = _run("main")
    try:
        both = cputime.cpu_seconds(proc.pid, proc.pid, -1)
        assert abs(both - used) < 0.05, (both, used)
        assert cputime.cpu_seconds() == 0.0
    finally:
        _finish(proc)


def test_an_idle_tree_uses_next_to_nothing():
    proc = subprocess.Popen([sys.executable, "-c", "import sys; "
                             "print('done', flush=True); sys.stdin.read()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "done"
        before = cputime.cpu_seconds(proc.pid)
        assert cputime.cpu_seconds(proc.pid) - before < 0.02
        assert cputime.cpu_seconds(-1) == 0.0      # no such process
    finally:
        _finish(proc)


def test_the_worker_is_the_first_started_process_of_its_program():
    used, proc = _run("main")
    try:
        assert cputime.oldest_running(proc.pid, sys.executable) == proc.pid
        assert cputime.oldest_running(proc.pid, "/bin/true") is None
        assert [p.pid for p in cputime.tree(proc.pid)] == [proc.pid]
        assert cputime.tree(-1) == []
        assert os.getpid() in [p.pid for p in cputime.tree(os.getppid())]
    finally:
        _finish(proc)
