"""The command that starts a sandboxed worker (autograder.grading.sandbox
and sandbox_view), read as bubblewrap would read it, without running
bubblewrap: what is bound, what never is, the network, the limits."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autograder.grading import sandbox, sandbox_view
from autograder.grading.sandbox import INSIDE, Limits, worker_command
from autograder.grading.sandbox_view import PACKAGE_DIR, RUN_DIR

ROOT = PACKAGE_DIR.parent
#: bubblewrap options and how many arguments each takes.
ARITY = {"--ro-bind": 2, "--bind": 2, "--symlink": 2, "--setenv": 2,
         "--tmpfs": 1, "--proc": 1, "--dev": 1, "--remount-ro": 1,
         "--chdir": 1, "--cap-drop": 1}


def parse_bwrap(argv: list[str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """(bubblewrap's options as tuples, the command after its ``--``)."""
    start = argv.index("/fake/bwrap") + 1
    options, i = [], start
    while argv[i] != "--":
        n = ARITY.get(argv[i], 0)
        options.append(tuple(argv[i:i + n + 1]))
        i += n + 1
    return options, argv[i + 1:]


@pytest.fixture
def command(monkeypatch, tmp_path):
    """(argv, env) of a sandboxed worker, bwrap at a fake path, as a
    user that is not root."""
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: "/fake/bwrap")
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox, "_user_processes", lambda: 7)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return scratch, worker_command(scratch, Limits())


def sources(options) -> list[Path]:
    return [Path(o[1]) for o in options if o[0] in ("--ro-bind", "--bind")
            and o[1] != "/dev/null"]


def inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def test_the_network_and_every_namespace_are_unshared(command):
    _, (argv, env) = command
    options, _ = parse_bwrap(argv)
    flags = [o[0] for o in options]
    assert env is None
    for flag in ("--unshare-all", "--die-with-parent", "--new-session",
                 "--clearenv"):
        assert flag in flags
    assert "--share-net" not in argv
    assert ("--cap-drop", "ALL") in options


def test_the_environment_is_the_sandboxs_own(command):
    _, (argv, _) = command
    options, _ = parse_bwrap(argv)
    env = {o[1]: o[2] for o in options if o[0] == "--setenv"}
    assert env == sandbox.sandbox_env()
    assert env["HOME"].startswith("/tmp") and env["PYTHONNOUSERSITE"] == "1"


def test_only_the_scratch_copy_is_writable(command):
    scratch, (argv, _) = command
    options, _ = parse_bwrap(argv)
    assert [o for o in options if o[0] == "--bind"] == [
        ("--bind", str(scratch), INSIDE)]
    assert ("--chdir", INSIDE) in options and ("--tmpfs", "/tmp") in options
    assert ("--remount-ro", RUN_DIR) in options


@pytest.mark.parametrize("folder", [
    "solutions", "exercises", "gradebook.db", "grading_state", "submitted",
    "autograded", "feedback", "autograder/checks", "autograder/reference",
    "autograder/grading", "autograder/reports", "tests"])
def test_the_course_is_never_bound(command, folder):
    _, (argv, _) = command
    options, _ = parse_bwrap(argv)
    for source in sources(options):
        assert not inside(source, ROOT / folder), source
    assert ROOT not in sources(options)


def test_of_the_package_only_the_worker_is_bound_at_run_dir(command):
    _, (argv, _) = command
    options, _ = parse_bwrap(argv)
    package = [(Path(o[1]), o[2]) for o in options if o[0] == "--ro-bind"
               and inside(Path(o[1]), PACKAGE_DIR)]
    assert package and all(
        dest == f"{RUN_DIR}/autograder/{src.relative_to(PACKAGE_DIR)}"
        for src, dest in package)
    assert {src.relative_to(PACKAGE_DIR).as_posix() for src, _ in package} \
        == set(sandbox_view.worker_files())


def test_the_worker_starts_from_run_dir_isolated(command):
    _, (argv, _) = command
    _, worker = parse_bwrap(argv)
    assert worker[:3] == [sys.executable, "-I", "-c"]
    assert repr(RUN_DIR) in worker[3] and "autograder.worker" in worker[3]
    assert worker[4:] == ["--output-limit", str(Limits().output_bytes)]


def test_prlimit_carries_the_limits(command):
    _, (argv, _) = command
    limits = Limits()
    assert argv[:argv.index("--") + 1] == [
        "prlimit", f"--as={limits.memory_bytes}",
        f"--cpu={int(limits.notebook_timeout) + 5}",
        # not root and no cgroup: room for the user's own 7 processes
        f"--nproc={limits.processes + 7}", f"--fsize={limits.file_bytes}",
        f"--nofile={limits.open_files}", "--core=0", "--"]
    assert argv[argv.index("--") + 1] == "/fake/bwrap"


def test_a_cgroup_wraps_the_command_and_sets_the_process_limit(
        monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: "/fake/bwrap")
    group = tmp_path / "cgroup"
    argv, _ = worker_command(tmp_path, Limits(processes=9), cgroup=group)
    assert argv[:2] == ["sh", "-c"] and "cgroup.procs" in argv[2]
    assert argv[3] == str(group) and argv[4] == "prlimit"
    assert "--nproc=9" in argv


def test_without_the_sandbox_the_worker_runs_from_the_package(tmp_path):
    argv, env = worker_command(tmp_path, Limits(output_bytes=5),
                               sandbox=False)
    assert argv[:3] == [sys.executable, "-I", "-c"]
    assert repr(str(ROOT)) in argv[3]
    assert argv[4:] == ["--output-limit", "5"]
    assert env["HOME"] == env["TMPDIR"] == str(tmp_path)
    assert env["MPLBACKEND"] == "Agg"


def test_no_pids_cgroup_unless_root(monkeypatch):
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    assert sandbox.pids_cgroup(0, 10) is None


def test_worker_files_are_the_package_init_and_worker_modules(tmp_path):
    package = tmp_path / "autograder"
    for rel in ("__init__.py", "worker/__init__.py", "worker/wire.py",
                "worker/notes.txt", "checks/common.py", "cli.py"):
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text("")
    assert sandbox_view.worker_files(package) == (
        "__init__.py", "worker/__init__.py", "worker/wire.py")
    assert "worker/wire.py" in sandbox_view.worker_files()


def test_every_other_copy_of_the_package_is_hidden(tmp_path):
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for name in ("autograder", "autograder-0.1.0.dist-info", "numpy"):
        (site / name).mkdir(parents=True)
    (site / "__editable___autograder_0_1_0_finder.py").write_text("")
    (site / "course.pth").write_text("/somewhere/autograder\n")
    (site / "other.pth").write_text("/somewhere/else\n")
    checkout = tmp_path / "checkout"
    (checkout / "autograder").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("")
    probe = {"path": [str(site)], "sites": [],
             "packages": [str(checkout / "autograder")]}
    hidden = sandbox_view._hidden(probe, [])
    for name in ("autograder", "autograder-0.1.0.dist-info",
                 "__editable___autograder_0_1_0_finder.py", "course.pth"):
        assert (site / name).resolve() in hidden, name
    assert (site / "numpy").resolve() not in hidden
    assert (site / "other.pth").resolve() not in hidden
    # an editable install's source and its checkout; the grader's own
    assert checkout.resolve() in hidden
    assert (checkout / "autograder").resolve() in hidden
    assert PACKAGE_DIR in hidden and ROOT in hidden


def test_source_trees_are_told_from_library_folders(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "nbgrader_config.py").write_text("")
    (tmp_path / "site-packages").mkdir()
    (tmp_path / "site-packages" / "setup.py").write_text("")
    assert sandbox_view._is_source_tree(tmp_path / "course")
    assert not sandbox_view._is_source_tree(tmp_path / "site-packages")
    assert not sandbox_view._is_source_tree(tmp_path)


def test_the_worker_modules_bytecode_is_bound_beside_them(command):
    """Compiled once per process: one bytecode file per worker module,
    where Python looks for it, holding that module's code."""
    import importlib.util
    import marshal

    _, (argv, _) = command
    options, _ = parse_bwrap(argv)
    cached = {o[2]: Path(o[1]) for o in options if o[0] == "--ro-bind"
              and o[2].startswith(RUN_DIR) and o[2].endswith(".pyc")}
    want = {importlib.util.cache_from_source(f"{RUN_DIR}/autograder/{rel}"):
            rel for rel in sandbox_view.worker_files()}
    assert set(cached) == set(want)
    for dest, src in cached.items():
        code = marshal.loads(src.read_bytes()[16:])
        assert code.co_filename == str(PACKAGE_DIR / want[dest])


def test_bytecode_removed_under_a_long_lived_process_is_made_again(command):
    """A Dask worker may outlive /tmp's cleaning: a missing bytecode file
    is compiled again rather than bound (bwrap would fail to start)."""
    import shutil

    scratch, _ = command
    first = sandbox_view._bytecode()
    shutil.rmtree(Path(next(iter(first.values()))).parent)
    argv, _ = worker_command(scratch, Limits())
    options, _ = parse_bwrap(argv)
    bound = [Path(o[1]) for o in options if o[0] == "--ro-bind"
             and o[2].startswith(RUN_DIR) and o[2].endswith(".pyc")]
    assert bound and all(p.is_file() for p in bound)
    assert set(map(str, bound)).isdisjoint(first.values())
