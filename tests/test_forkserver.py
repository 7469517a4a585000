"""Forked workers (autograder.grading.forkserver): the same sandbox as a
cold start, and nothing shared between two students' workers.

Each test starts real sandboxes (bubblewrap) and the real fork server.
"""
from __future__ import annotations

import json
import logging
import os

import psutil
import pytest

from autograder.grading import forks
from autograder.grading.remote import Session
from autograder.grading.sandbox import Limits, bwrap_path

pytestmark = pytest.mark.skipif(bwrap_path() is None,
                                reason="bubblewrap is not installed")

LIMITS = Limits(cell_timeout=10, notebook_timeout=60)


def run(session: Session, source: str) -> str:
    reply = session.run_cell(source, 10)
    texts = [o.get("text", "") for o in reply["outputs"]]
    assert reply["outputs"] and all(o["output_type"] == "stream"
                                    for o in reply["outputs"]), reply
    return "".join(texts)


@pytest.fixture
def open_session(tmp_path):
    opened = []

    def start(name: str = "a", cold: bool = False,
              pyplot: bool = False) -> Session:
        folder = tmp_path / name
        folder.mkdir(exist_ok=True)
        previous = os.environ.get("AUTOGRADER_COLD_WORKERS")
        os.environ["AUTOGRADER_COLD_WORKERS"] = "1" if cold else "0"
        try:
            session = Session(folder, LIMITS, slot=len(opened),
                              pyplot=pyplot)
        finally:
            if previous is None:
                del os.environ["AUTOGRADER_COLD_WORKERS"]
            else:
                os.environ["AUTOGRADER_COLD_WORKERS"] = previous
        opened.append(session)
        assert session.proc.forked is not cold
        return session

    yield start
    for session in opened:
        session.close()


#: What a worker can see of its own confinement.
VIEW = r"""
import os, socket
status = dict(line.split(':\t', 1) for line in
              open('/proc/self/status').read().splitlines() if ':\t' in line)
print(sorted(os.listdir('/tmp')), sorted(os.listdir('/run/grader')))
print(os.getcwd(), os.getuid(), os.getgid(), socket.if_nameindex())
for field in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs',
              'Seccomp'):
    print(field, status[field].strip())
print(''.join(l for l in open('/proc/self/limits') if 'Max' in l))
print(sorted(os.environ.items()))
print(os.path.exists(os.path.expanduser('~root')), os.listdir('/proc/1/ns'))
"""


def test_a_forked_worker_sees_what_a_cold_one_sees(open_session):
    cold = run(open_session("cold", cold=True), VIEW)
    forked = run(open_session("forked"), VIEW)
    assert forked == cold
    assert "CapEff 0000000000000000" in forked
    assert "NoNewPrivs 1" in forked


@pytest.mark.parametrize("cold", [False, True], ids=["forked", "cold"])
def test_a_worker_holds_no_capabilities_and_no_descriptors(open_session,
                                                           cold):
    """Even when the grader runs as root: with a capability left, student
    code could unmount the masks over the package and the course."""
    s = open_session(cold=cold)
    text = run(s, "import ctypes, os\n"
                  "libc = ctypes.CDLL(None, use_errno=True)\n"
                  "print(libc.umount2(b'/run/grader', 2), ctypes.get_errno(),"
                  " sorted(os.listdir('/proc/self/fd')))")
    gone, err, fds = text.split(maxsplit=2)
    assert gone == "-1" and int(err) == 1, text          # EPERM
    # 0-2 (/dev/null), the channel, the listing's own descriptor: nothing
    # of bubblewrap, the fork server or the grader
    assert len(eval(fds)) <= 6, fds


def test_two_forked_workers_share_nothing(open_session):
    """Each has its own files, processes and random state (a fork copies
    the server's, which would be the same for every student)."""
    first, second = open_session("a"), open_session("b")
    probe = ("import json, os, random, numpy as np\n"
             "open('mine.txt', 'w').write('x')\n"
             "print(json.dumps([np.random.rand(), random.random(),\n"
             "      os.listdir('.'), [p for p in os.listdir('/proc')\n"
             "                        if p.isdigit()]]))")
    one = json.loads(run(first, probe))
    two = json.loads(run(second, probe))
    assert one[0] != two[0] and one[1] != two[1], (one, two)
    assert one[2].count("mine.txt") == two[2].count("mine.txt") == 1
    # the sandbox's init, its sleeping holder and the worker
    assert len(one[3]) == len(two[3]) == 3, (one, two)


def test_a_killed_forked_worker_leaves_no_process(open_session):
    s = open_session()
    run(s, "import subprocess\n"
           "subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
           "print('started')")
    pids = [p.pid for root in s.proc.roots
            for p in [psutil.Process(root),
                      *psutil.Process(root).children(recursive=True)]]
    assert len(pids) >= 5, pids
    s.close()
    alive = [p for p in pids if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive


def test_a_fork_server_that_cannot_start_leaves_workers_cold(
        open_session, monkeypatch, tmp_path, caplog):
    bad = tmp_path / "broken.py"
    bad.write_text("raise SystemExit('no imports here')\n")
    monkeypatch.setattr(forks, "SCRIPT", bad)
    monkeypatch.setattr(forks, "_servers", {})
    monkeypatch.setattr(forks, "_broken", False)
    with caplog.at_level(logging.WARNING, logger=forks.__name__):
        s = Session(tmp_path, LIMITS)
    try:
        assert not s.proc.forked
        assert run(s, "print(6 * 7)").strip() == "42"
    finally:
        s.close()
    assert "workers start cold" in caplog.text
    assert "no imports here" in caplog.text


def test_a_forked_worker_holds_no_module_of_the_grader(open_session):
    """The fork server imports the worker's modules alone: no check, no
    reference answer, nothing of the grading side to inherit."""
    text = run(open_session(), "import sys\nprint(sorted(m for m in "
               "sys.modules if m.split('.')[0] == 'autograder'))")
    names = eval(text)
    assert names and all(m == "autograder" or m.startswith(
        "autograder.worker") for m in names), names


@pytest.mark.parametrize("cold", [False, True], ids=["forked", "cold"])
def test_matplotlib_finds_its_font_cache_ready(open_session, cold):
    """Every sandbox starts with an empty /tmp; the grader's font cache
    (sandbox.font_cache) spares each plotting notebook building one."""
    pytest.importorskip("matplotlib")
    text = run(open_session(cold=cold),
               "import io, logging\n"
               "log = io.StringIO()\n"
               "logging.basicConfig(stream=log, level=logging.INFO)\n"
               "import matplotlib.font_manager as fm\n"
               "print(len(fm.fontManager.ttflist) > 0,\n"
               "      'generated new fontManager' in log.getvalue())")
    assert text.split() == ["True", "False"], text


def test_the_warm_up_leaves_nothing_a_cold_worker_lacks(open_session):
    """The fork server formats one traceback before it forks (the first
    one of every notebook costs less): a forked worker finds inspect's
    module table filled, but neither the warm-up's lines nor where the
    grader's modules or the server's script lie on the host."""
    from autograder.grading.sandbox import PACKAGE_DIR

    text = run(open_session(), "import inspect, linecache\n"
               "print(len(inspect.modulesbyfile) > 100,\n"
               "      '<warm-up>' in linecache.cache, sorted(\n"
               "    name for path, name in inspect.modulesbyfile.items()\n"
               "    if name.split('.')[0] in ('autograder', '__main__')\n"
               f"    or path.startswith({str(PACKAGE_DIR)!r})))")
    assert text.strip() == "True False []", text


#: What matplotlib remembers of its folders, and any string of its
#: modules that names the grader's font cache folder on the host.
MATPLOTLIB_VIEW = r"""
import sys
preloaded = "matplotlib.pyplot" in sys.modules
import matplotlib, matplotlib.pyplot as plt, matplotlib.style
host = [f"{m}.{k}" for m, mod in list(sys.modules.items())
        if m.split(".")[0] == "matplotlib"
        for k, v in list(vars(mod).items())
        if HOST in str(v)[:10000]]
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
fig.savefig("plot.png")
print(preloaded, matplotlib.get_configdir(), matplotlib.get_cachedir(),
      matplotlib.style.USER_LIBRARY_PATHS, plt.get_backend(), host)
"""


def test_pyplot_is_preloaded_and_knows_only_the_sandbox(open_session,
                                                        tmp_path):
    """The fork server for notebooks that plot imports pyplot (reading
    the grader's font cache folder on the host); its forked worker finds
    it imported, with the folders a cold worker finds, and draws. The
    other fork server's workers do not have it."""
    from autograder.grading.sandbox import font_cache_folder

    pytest.importorskip("matplotlib")
    source = f"HOST = {str(font_cache_folder())!r}\n" + MATPLOTLIB_VIEW
    forked = run(open_session("forked", pyplot=True), source).split(" ", 1)
    cold = run(open_session("cold", cold=True), source).split(" ", 1)
    assert forked[0] == "True" and cold[0] == "False"
    assert forked[1] == cold[1], (forked, cold)
    assert forked[1].strip() == "/tmp/mpl /tmp/mpl ['/tmp/mpl/stylelib'] " \
        "Agg []", forked
    assert (tmp_path / "forked" / "plot.png").stat().st_size > 1000
    plain = run(open_session("plain"), "import sys\n"
                "print('matplotlib' in sys.modules)")
    assert plain.strip() == "False"


def test_a_notebook_that_names_matplotlib_gets_the_pyplot_workers():
    import nbformat

    from autograder.notebook import plots

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("matplotlib draws the figure"),
        nbformat.v4.new_code_cell("x = 1")])
    assert not plots(nb)
    nb.cells.append(nbformat.v4.new_code_cell("import matplotlib.pyplot"))
    assert plots(nb)


@pytest.mark.parametrize("cold", [False, True], ids=["forked", "cold"])
def test_the_channel_has_room_for_a_cost_checks_arrays(open_session, cold):
    """Both pipes of the channel hold launch.PIPE_SIZE (a cost check's
    arrays cross in a few writes), and arrays larger than that still
    cross whole, both ways."""
    import fcntl

    import numpy as np

    from autograder.grading import launch
    from autograder.grading.remote import RemoteFunction

    session = open_session(cold=cold)
    for fd in (session.proc.stdin.fileno(), session.fd_out):
        assert fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) == launch.PIPE_SIZE
    session.run_cell("def twice(a):\n    return a * 2", 10)
    big = np.random.default_rng(0).normal(size=3 * launch.PIPE_SIZE // 8)
    assert np.array_equal(RemoteFunction(session, "twice")(big), big * 2)


def test_a_prestarted_fork_server_is_waited_for_then_used(monkeypatch,
                                                          tmp_path):
    """The command line starts the fork server early (forks.prestart);
    the first worker waits for it to be ready and forks from it; an
    unneeded one is stopped (forks.discard)."""
    monkeypatch.setattr(forks, "_servers", {})
    monkeypatch.delenv("AUTOGRADER_COLD_WORKERS", raising=False)
    forks.prestart()
    early = forks._servers[False]
    try:
        assert not early.ready
        session = Session(tmp_path, LIMITS)
        try:
            assert session.proc.forked and early.ready
            assert forks.server() is early
            assert run(session, "print(6 * 7)").strip() == "42"
        finally:
            session.close()
        forks.prestart()                    # one is enough
        assert forks._servers[False] is early
    finally:
        forks.discard()
    assert False not in forks._servers
    assert early.proc.poll() is not None
    forks.prestart(pyplot=True)
    starting = forks._servers[True]
    forks.discard(pyplot=True)              # stopped while it imports
    assert starting.proc.poll() is not None


@pytest.mark.parametrize("argv, early", [
    (["grade", "softmax"], True),
    (["grade", "softmax", "--jobs", "2"], True),
    (["grade", "softmax", "--no-sandbox"], False),
    (["grade", "softmax", "--scheduler=tcp://host:8786"], False),
    (["grade", "--help"], False),
])
def test_the_command_line_starts_the_fork_server_only_to_grade_here(
        monkeypatch, argv, early):
    from autograder import cli

    started = []
    monkeypatch.setattr(forks, "prestart", lambda: started.append(True))
    cli._start_fork_server(argv)
    assert bool(started) is early
