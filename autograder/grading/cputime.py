"""CPU time of a sandboxed worker, as the kernel accounts it (trusted).

The grade command tells a derived gradient from one computed by finite
differences by what the call costs. Whatever the student's process says
about its own cost is a claim (it can replace any counter or clock that
runs inside it), so the cost is read here, outside, from the kernel's
/proc/PID/stat through psutil (never from the process itself): the user
and system time of every process in the worker's tree, the threads and the
reaped children included (a child's time moves into its parent's cutime
and cstime when it is reaped; an orphan is reaped by the sandbox's init,
which is in the tree too). The kernel counts clock ticks (10 ms);
psutil's ``cpu_times()`` gives utime, stime, cutime and cstime in seconds.
"""
from __future__ import annotations

import os

import psutil


def tree(root: int) -> list[psutil.Process]:
    """``root`` and all its descendants that are alive (or zombies)."""
    try:
        proc = psutil.Process(root)
        return [proc] + proc.children(recursive=True)
    except (psutil.Error, ValueError):
        return []


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root``'s tree: user and system time
    of each process (its threads included) and of its reaped children."""
    total = 0.0
    for proc in tree(root):
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue        # ended meanwhile: its parent now counts it
        total += t.user + t.system + t.children_user + t.children_system
    return total


def oldest_running(root: int, executable: str) -> int | None:
    """The first-started process of ``root``'s tree that runs
    ``executable``: the worker, whatever its student code started
    later."""
    target = os.path.realpath(executable)
    best = None
    for proc in tree(root):
        try:
            if proc.exe() != target:
                continue
            start = proc.create_time()
        except psutil.Error:
            continue
        if best is None or start < best[0]:
            best = (start, proc.pid)
    return best[1] if best else None
