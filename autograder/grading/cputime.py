"""CPU time of a sandboxed worker, as the kernel accounts it (trusted).

The grade command tells a derived gradient from one computed by finite
differences by what the call costs. Whatever the student's process says
about its own cost is a claim (it can replace any counter or clock that
runs inside it), so the cost is read here, outside, from the kernel's
/proc/PID/stat (never from the process itself): the user and system time
of every process in the worker's tree, the threads and the
reaped children included (a child's time moves into its parent's cutime
and cstime when it is reaped; an orphan is reaped by the sandbox's init,
which is in the tree too). The kernel counts clock ticks (10 ms).
"""
from __future__ import annotations

import os

import psutil


def tree(root: int) -> list[psutil.Process]:
    """``root`` and all its descendants that are alive (or zombies),
    parents before their children."""
    procs = []
    for pid in _descendants(_processes(), (root,)):
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            continue        # ended meanwhile
    return procs


#: The kernel's unit of CPU time in /proc/PID/stat (clock ticks per second).
TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU clock ticks) of every process, from one
    read of each /proc/PID/stat: user and system time of the process (its
    threads included) and of its reaped children."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
            # after "pid (comm) ": state, ppid, ... utime stime cutime
            # cstime are fields 14-17 (comm may hold spaces and ")")
            fields = stat[stat.rindex(b")") + 2:].split()
            table[int(entry.name)] = (int(fields[1]),
                                      sum(map(int, fields[11:15])))
        except (OSError, ValueError, IndexError):
            continue        # ended meanwhile: its parent now counts it
    return table


def cpu_seconds(*roots: int) -> float:
    """CPU seconds used so far by the trees of ``roots`` together (each
    process counted once), from one read of the process table: user and
    system time of each process (its threads included) and of its reaped
    children."""
    table = _processes()
    return sum(table[pid][1] for pid in _descendants(table, roots)) / TICKS


def _descendants(table: dict[int, tuple[int, int]], roots) -> list[int]:
    """The pids of ``roots`` and of all their descendants in ``table``
    (as _processes gives it), each once, parents before children."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found = list(dict.fromkeys(r for r in roots if r in table))
    seen = set(found)
    for pid in found:           # grows while it is walked: breadth first
        for child in children.get(pid, ()):
            if child not in seen:
                seen.add(child)
                found.append(child)
    return found


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
