"""CPU time of a sandboxed worker, as the kernel accounts it (trusted).

The grade command tells a derived gradient from one computed by finite
differences by what the call costs. Whatever the student's process says
about its own cost is a claim (it can replace any counter or clock that
runs inside it), so the cost is read here, outside, from /proc: the user
and system time of every process in the worker's tree, the threads and the
reaped children included (a child's time moves into its parent's cutime
and cstime when it is reaped; an orphan is reaped by the sandbox's init,
which is in the tree too). The kernel reports it in clock ticks (10 ms).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = 1.0 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/PID/stat the grader uses."""

    pid: int
    ppid: int
    ticks: int      # utime + stime + cutime + cstime
    start: int      # starttime, in ticks after boot


def read_stat(pid: int) -> Stat | None:
    """One process's stat, or None when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name, in parentheses, may itself hold spaces and ")"
    fields = text[text.rindex(")") + 2:].split()
    return Stat(pid, int(fields[1]), sum(int(f) for f in fields[11:15]),
                int(fields[19]))


def tree(root: int) -> list[Stat]:
    """``root`` and all its descendants that are alive (or zombies)."""
    stats = {}
    for entry in os.scandir(PROC):
        if entry.name.isdigit():
            stat = read_stat(int(entry.name))
            if stat is not None:
                stats[stat.pid] = stat
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = [], [root] if root in stats else []
    while todo:
        pid = todo.pop()
        found.append(stats[pid])
        todo += children.get(pid, [])
    return found


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root``'s tree."""
    return sum(s.ticks for s in tree(root)) * TICK


def oldest_running(root: int, executable: str) -> int | None:
    """The first-started process of ``root``'s tree that runs
    ``executable``: the worker, whatever its student code started
    later."""
    target = os.path.realpath(executable)
    best = None
    for stat in tree(root):
        try:
            exe = os.readlink(PROC / str(stat.pid) / "exe")
        except OSError:
            continue
        if exe == target and (best is None or stat.start < best.start):
            best = stat
    return best.pid if best else None
