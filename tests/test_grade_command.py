"""`python -m autograder grade` on a class of hostile and broken submissions.

One course copy, one class: the reference, the stub, and a catalogue of
submissions that crash, hang, flood, eat memory, fork, try the gradebook,
solutions/ and the network, or are broken files. All go through the real
command, in parallel and sandboxed; every one must end in its recorded
state with a clear reason, and the run must survive all of them.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from coursekit import build_submission, make_course, run_nbgrader, submit
from autograder.grading.sandbox import bwrap_path
from autograder.grading.state import journal_of, load as load_state

A = "softmax"
LOSS = "softmax_loss_answer"
CELL_TIMEOUT = 10
pytestmark = pytest.mark.skipif(
    bwrap_path() is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap; "
    "make test does as root)")


def code(answer: str) -> dict:
    """Reference answers with the softmax_loss cell replaced."""
    return {LOSS: answer}


def with_reference_loss(prefix: str) -> str:
    """A softmax_loss answer cell that first runs ``prefix``."""
    from coursekit import solution_sources

    return prefix + "\n" + solution_sources(A)[LOSS]


# student -> (answers, expected state, phrase in the reason or None)
RUNTIME = {
    "crash_os_exit": (code("import os\nos._exit(1)"), "crashed",
                      "kernel died"),
    "hang": (code("while True:\n    pass"), "timed out", "ran longer"),
    "hang_ignoring_sigint": (code(
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n    pass"), "timed out", "ran longer"),
    "flood": (code(with_reference_loss(
        "for _ in range(100000):\n    print('x' * 200)")), "graded", None),
    "memory_bomb": (code(with_reference_loss(
        "try:\n    hog = bytearray(8 * 2**30)\nexcept MemoryError:\n"
        "    pass")), "graded", None),
    "fork_bomb": (code(with_reference_loss(
        "import os, time\nkids = []\nfor _ in range(300):\n    try:\n"
        "        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(2)\n        os._exit(0)\n"
        "    kids.append(pid)\nFORKED = len(kids)\n"
        "for pid in kids:\n    os.waitpid(pid, 0)")), "graded", None),
}


def hostile(course: Path, port: int) -> dict:
    """Submissions that reach for what the sandbox must hide."""
    gradebook = course / "gradebook.db"
    solution = course / "solutions" / A / f"{A}.ipynb"
    other = course / "submitted" / "reference" / A / f"{A}.ipynb"
    grab = (
        "LEAKS = []\n"
        f"for path in [{str(solution)!r}, {str(other)!r}]:\n"
        "    try:\n        LEAKS.append(open(path).read()[:10])\n"
        "    except OSError:\n        pass\n"
        "try:\n"
        f"    open({str(gradebook)!r}, 'w').write('pwned')\n"
        "except OSError:\n    pass\n"
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "except OSError:\n    pass\n"
        "assert not LEAKS, LEAKS")
    return {"escape_attempts": (code(with_reference_loss(grab)), "graded",
                                None)}


def broken_files(course: Path) -> dict:
    """student -> (writer of the submission folder, phrase in reason)."""
    good = nbformat.writes(build_submission(A, {}))
    nb = json.loads(good)
    grade_cells = [i for i, c in enumerate(nb["cells"])
                   if c["metadata"].get("nbgrader", {}).get("grade")]

    def text(content):
        return lambda folder: (folder / f"{A}.ipynb").write_text(content)

    def edited(change):
        def write(folder):
            data = json.loads(good)
            change(data)
            (folder / f"{A}.ipynb").write_text(json.dumps(data))
        return write

    def planted(name, content="x = 1\n"):
        def write(folder):
            text(good)(folder)
            (folder / name).write_text(content)
        return write

    def symlink(folder):
        text(good)(folder)
        os.symlink("/etc/passwd", folder / "data.txt")

    def renamed(folder):
        (folder / "my_softmax.ipynb").write_text(good)

    def huge(folder):
        data = json.loads(good)
        data["cells"][0]["source"] = "x" * (100 * 1024 * 1024)
        (folder / f"{A}.ipynb").write_text(json.dumps(data))

    def v3(folder):
        (folder / f"{A}.ipynb").write_text(json.dumps(
            {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
             "worksheets": [{"cells": []}]}))

    def duplicate(data):
        data["cells"].insert(grade_cells[0], data["cells"][grade_cells[0]])

    def reorder(data):
        i, j = grade_cells[0], grade_cells[-1]
        data["cells"][i], data["cells"][j] = data["cells"][j], \
            data["cells"][i]

    def points(data):
        data["cells"][grade_cells[0]]["metadata"]["nbgrader"]["points"] = 99

    def kernel(data):
        data["metadata"]["kernelspec"]["name"] = "julia-1.9"

    return {
        "not_json": (text("this is not json"), "not valid JSON"),
        "truncated": (text(good[: len(good) // 2]), "truncated"),
        "json_not_notebook": (text('{"hello": 1}'), "not a Jupyter"),
        "nbformat_3": (v3, "format 3"),
        "renamed": (renamed, "found my_softmax.ipynb"),
        "missing": (lambda folder: None, "is missing"),
        "duplicated_test_cell": (edited(duplicate), "appears twice"),
        "reordered_test_cells": (edited(reorder), "cells were moved"),
        "edited_metadata": (edited(points), "metadata of cell"),
        "huge_notebook": (huge, "the limit is"),
        "planted_numpy": (planted("numpy.py"), "replace the module 'numpy'"),
        "symlink_out": (symlink, "symbolic link"),
        "changed_kernelspec": (edited(kernel), None),
    }


class Listener:
    """A TCP listener on the host's loopback that counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass


def grade(course: Path, *args: str, timeout: float = 900):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", A,
         "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "60",
         *args], cwd=course, capture_output=True, text=True, env=env,
        timeout=timeout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("class"), [A])
    listener = Listener()
    submit(course, "reference", A, build_submission(A, {}))
    submit(course, "stub", A, build_submission(A, {}, base="stub"))
    for student, (answers, _, _) in {**RUNTIME, **hostile(
            course, listener.port)}.items():
        submit(course, student, A, build_submission(A, answers))
    for student, (write, _) in broken_files(course).items():
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        write(folder)
    gradebook_before = (course / "gradebook.db").stat().st_size
    start = time.monotonic()
    proc = grade(course)
    seconds = time.monotonic() - start
    listener.stop = True
    state = json.loads((course / "grading_state" / f"{A}.json").read_text())
    print(f"\ngrade command: {len(state)} submissions in {seconds:.1f} s")
    return {"course": course, "proc": proc, "state": state,
            "listener": listener, "gradebook_before": gradebook_before}


def test_the_run_finishes_and_reports_every_submission(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr[-3000:]
    expected = 2 + len(RUNTIME) + 1 + len(broken_files(graded["course"]))
    assert len(graded["state"]) == expected
    assert f"{expected} submissions" in graded["proc"].stdout


def test_reference_full_marks_and_stub_zero(graded):
    ref, stub = graded["state"]["reference"], graded["state"]["stub"]
    assert ref["state"] == "graded" and ref["score"] == ref["max_score"] > 0
    assert stub["state"] == "graded" and stub["score"] == 0


@pytest.mark.parametrize("student", sorted(RUNTIME))
def test_runtime_misbehaviour_ends_in_its_state(graded, student):
    _, state, phrase = RUNTIME[student]
    outcome = graded["state"][student]
    assert outcome["state"] == state, outcome
    if phrase:
        assert phrase in outcome["reason"], outcome


@pytest.mark.parametrize("student", ["crash_os_exit", "hang",
                                     "hang_ignoring_sigint"])
def test_points_earned_before_the_failure_are_kept(graded, student):
    """softmax, logsumexp and the Jacobian ran before softmax_loss broke."""
    outcome = graded["state"][student]
    assert 0 < outcome["score"] < outcome["max_score"], outcome


def test_flood_is_capped(graded):
    path = (graded["course"] / "autograded" / "flood" / A / f"{A}.ipynb")
    assert path.stat().st_size < 5_000_000
    # the worker caps the stream at 2 MB, nbgrader's LimitOutput at 1000
    # lines: either leaves its mark
    assert "output truncated" in path.read_text().lower()
    assert graded["state"]["flood"]["score"] == \
        graded["state"]["flood"]["max_score"]


def test_memory_and_fork_bombs_are_contained(graded):
    for student in ("memory_bomb", "fork_bomb"):
        outcome = graded["state"][student]
        assert outcome["score"] == outcome["max_score"], outcome


def test_sandbox_hides_solutions_gradebook_others_and_network(graded):
    outcome = graded["state"]["escape_attempts"]
    assert outcome["state"] == "graded"
    assert outcome["score"] == outcome["max_score"], outcome  # no LEAKS
    assert graded["listener"].connections == 0
    assert (graded["course"] / "gradebook.db").read_bytes()[:6] != b"pwned"


@pytest.mark.parametrize("student", sorted(
    k for k, v in broken_files(Path("/nonexistent")).items() if v[1]))
def test_broken_files_fail_with_a_clear_reason(graded, student):
    _, phrase = broken_files(graded["course"])[student]
    outcome = graded["state"][student]
    assert outcome["state"] == "failed", outcome
    assert phrase in outcome["reason"], outcome
    assert outcome["score"] == 0


def test_changed_kernelspec_is_graded_with_a_note(graded):
    outcome = graded["state"]["changed_kernelspec"]
    assert outcome["state"] == "graded"
    assert outcome["score"] == outcome["max_score"]
    assert any("kernelspec" in n for n in outcome["notes"])


def test_rerun_skips_unchanged_and_force_regrades(graded):
    proc = grade(graded["course"], "--student", "reference", "--student",
                 "stub")
    assert "0 submissions" in proc.stdout, proc.stdout
    proc = grade(graded["course"], "--student", "reference", "--force")
    assert "1 submissions: 1 graded" in proc.stdout, proc.stdout


def test_plain_nbgrader_feedback_works_after_grading(graded):
    from coursekit import run_nbgrader

    run_nbgrader(graded["course"], "generate_feedback", A, "--student",
                 "reference", "--force")
    assert (graded["course"] / "feedback" / "reference" / A
            / f"{A}.html").is_file()


def test_without_bubblewrap_the_command_refuses(graded, tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for tool in ("python3", "prlimit"):
        if shutil.which(tool):
            os.symlink(shutil.which(tool), fake_bin / tool)
    env = {**os.environ, "PATH": str(fake_bin)}
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A],
                          cwd=graded["course"], capture_output=True,
                          text=True, env=env)
    assert proc.returncode != 0
    assert "bubblewrap" in proc.stderr and "--no-sandbox" in proc.stderr


def test_sigkill_and_rerun_gives_the_uninterrupted_gradebook(tmp_path):
    """Kill -9 the grader mid-run, run it again: same scores as a run that
    was never interrupted; a manual grade survives both."""
    from nbgrader.api import Gradebook

    def make(name):
        course = make_course(tmp_path / name, [A])
        for i, answers in enumerate([{}, code("raise ValueError()"),
                                     {}, code("import os\nos._exit(0)")]
                                    * 3):
            submit(course, f"s{i:02d}", A, build_submission(A, answers))
        return course

    def scores(course):
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            return {(g.student.id, g.name): (g.auto_score, g.manual_score)
                    for s in gb.assignment_submissions(A)
                    for nb in s.notebooks for g in nb.grades}

    calm, killed = make("calm"), make("killed")
    assert grade(calm).returncode == 0
    with Gradebook(f"sqlite:///{killed / 'gradebook.db'}") as gb:
        gb.update_or_create_student("s00")
        gb.update_or_create_submission(A, "s00")
        g = gb.find_grade("test_softmax_values", A, A, "s00")
        g.manual_score = 1.5
        gb.db.commit()
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder", "grade", A, "--jobs", "2"],
        cwd=killed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    # what the run has recorded: the state file and its journal
    state = killed / "grading_state" / f"{A}.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(load_state(state)) < 3:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(load_state(state))
    assert done < 12, "the run finished before it could be killed"
    assert journal_of(state).is_file() and not state.exists()
    assert grade(killed).returncode == 0
    assert state.is_file() and not journal_of(state).exists()
    calm_scores, killed_scores = scores(calm), scores(killed)
    assert killed_scores[("s00", "test_softmax_values")][1] == 1.5
    killed_scores[("s00", "test_softmax_values")] = \
        calm_scores[("s00", "test_softmax_values")]
    assert killed_scores == calm_scores


def test_a_grader_error_is_logged_and_regraded_on_rerun(tmp_path,
                                                        monkeypatch):
    """When the grader itself fails on one submission (not the student's
    fault), that one ends "crashed" with the error and a logged
    traceback, the others are graded, and a plain rerun grades it again
    instead of skipping it as done."""
    from autograder.grading import execution, command as gradecmd

    course = make_course(tmp_path / "course", [A])
    for student in ("unlucky", "fine"):
        submit(course, student, A, build_submission(A, {}))
    real = execution.execute_job

    def flaky(job, *args):
        if job["student"] == "unlucky":
            raise SystemError("AST constructor recursion depth mismatch")
        return real(job, *args)

    monkeypatch.setattr(execution, "execute_job", flaky)
    first = gradecmd.run(A, root=course, quiet=True)
    assert first["fine"].state == "graded"
    assert first["fine"].score == first["fine"].max_score > 0
    unlucky = first["unlucky"]
    assert unlucky.state == "crashed" and unlucky.score == 0
    assert unlucky.reason.startswith("grader error: SystemError: AST")
    log = (course / "grading_state" / f"{A}.errors.log").read_text()
    assert "unlucky" in log and "Traceback" in log and "in flaky" in log

    monkeypatch.setattr(execution, "execute_job", real)
    second = gradecmd.run(A, root=course, quiet=True)
    assert sorted(second) == ["unlucky"]
    assert second["unlucky"].state == "graded"
    assert second["unlucky"].score == second["unlucky"].max_score


def _auto_scores(course: Path, students) -> dict:
    """(student, grade_id) -> (auto_score, needs_manual_grade)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(s, g.name): (g.auto_score, g.needs_manual_grade)
                for s in students
                for g in gb.find_submission_notebook(A, A, s).grades}


@pytest.mark.parametrize("restore", [False, True])
def test_deleted_or_retyped_test_cells_are_graded_as_nbgrader_does(
        tmp_path, restore):
    """A deleted test cell and a test cell turned into Markdown are what
    nbgrader's OverwriteCells handles: the retyped cell is made code
    again with its source from the gradebook, hidden tests included; the
    deleted one is added back when the course sets
    ``OverwriteCells.add_missing_cells`` and left for a manual grade when
    it does not. The grade command's auto scores equal those of plain
    ``nbgrader autograde`` on the same submissions."""
    from autograder.grading import command as gradecmd

    nb = build_submission(A, {})
    tests = [i for i, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade")
             and not c.metadata["nbgrader"].get("solution")]
    gone = nb.cells[tests[-1]].metadata.nbgrader.grade_id
    deleted = copy.deepcopy(nb)
    del deleted.cells[tests[-1]]
    retyped = copy.deepcopy(nb)
    cell = retyped.cells[tests[0]]
    cell.cell_type = "markdown"
    cell.source = "nothing to see"
    del cell["outputs"], cell["execution_count"]
    students = ("deleted", "retyped")
    courses = []
    for name in ("ours", "nbgrader"):
        course = make_course(tmp_path / name, [A])
        if restore:
            with open(course / "nbgrader_config.py", "a") as config:
                config.write("c.OverwriteCells.add_missing_cells = True\n")
        submit(course, "deleted", A, deleted)
        submit(course, "retyped", A, retyped)
        courses.append(course)
    outcomes = gradecmd.run(A, root=courses[0], quiet=True)
    run_nbgrader(courses[1], "autograde", A, "--force")
    ours, theirs = (_auto_scores(c, students) for c in courses)
    assert ours == theirs
    assert outcomes["retyped"].state == "graded"
    assert outcomes["retyped"].score == outcomes["retyped"].max_score
    assert outcomes["deleted"].state == "graded"
    assert f"test cell {gone} was deleted" in outcomes["deleted"].notes
    score, manual = ours[("deleted", gone)]
    if restore:
        assert score > 0 and not manual
        assert outcomes["deleted"].score == outcomes["deleted"].max_score
        saved = nbformat.read(courses[0] / "autograded" / "deleted" / A /
                              f"{A}.ipynb", as_version=4)
        assert "added back by nbgrader" in "".join(
            c.source for c in saved.cells)
    else:
        assert score is None and manual
        assert outcomes["deleted"].score < outcomes["deleted"].max_score


def test_a_sandbox_that_cannot_start_stops_the_run_with_its_message(
        tmp_path, monkeypatch):
    """bwrap refusing to start (no user namespaces in a container, say)
    would crash every submission; the command says so once, with the
    sandbox's own words, and records nothing."""
    from autograder.grading import command as gradecmd, sandbox

    course = make_course(tmp_path / "course", [A])
    submit(course, "someone", A, build_submission(A, {}))
    message = "bwrap: No permissions to create new namespace"
    # both ways a worker starts (cold, and forked into a holder's
    # sandbox) go through bwrap_command
    monkeypatch.setattr(sandbox, "bwrap_command", lambda *a, **k: [
        "sh", "-c", f"echo '{message}' >&2; exit 1", "--"])
    with pytest.raises(SystemExit) as stop:
        gradecmd.run(A, root=course, quiet=True)
    assert "nothing was graded" in str(stop.value)
    assert message in str(stop.value)
    assert not (course / "grading_state" / f"{A}.json").exists()


def test_one_command_grades_several_assignments(tmp_path):
    """``grade entropy kl_divergence entropy``: both graded by one
    process, each once, each with its own report."""
    from coursekit import max_scores, scores

    names = ["entropy", "kl_divergence"]
    course = make_course(tmp_path / "course", names)
    for a in names:
        submit(course, "reference", a, build_submission(a, {}))
        submit(course, "stub", a, build_submission(a, {}, base="stub"))
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *names, "entropy",
         "--jobs", "2"], cwd=course, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line for line in lines if line.endswith(":")] == \
        ["entropy:", "kl_divergence:"]
    assert lines.count("2 submissions: 2 graded") == 2, proc.stdout
    for a in names:
        assert scores(course, a, "reference") == max_scores(course, a)
        assert sum(scores(course, a, "stub").values()) == 0


@pytest.mark.parametrize("args, message", [
    (["entropy", "entorpy"], "'entorpy' is not in the gradebook"),
    (["entropy", "kl_divergence", "--student", "reference"],
     "no submission of kl_divergence for reference"),
])
def test_a_run_that_cannot_finish_stops_before_any_grading(
        tmp_path, args, message):
    """A misspelt assignment, or a student asked for who has not handed
    in one of them: the command says so before it grades anything."""
    course = make_course(tmp_path / "course", ["entropy", "kl_divergence"])
    submit(course, "reference", "entropy",
           build_submission("entropy", {}))
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", *args],
        cwd=course, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert not (course / "grading_state" / "entropy.json").exists()


def test_the_command_finds_nbgraders_tools_without_an_active_venv(tmp_path):
    """nbgrader runs ``alembic`` by name to stamp a new gradebook; with
    only the system's folders on PATH the command still gets as far as
    saying what is missing."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(Path(__file__).parents[1] / "nbgrader_config.py", course)
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", "entropy"],
        cwd=course, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PATH": "/usr/bin:/bin"})
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "'entropy' is not in the gradebook" in proc.stderr
    assert (course / "gradebook.db").is_file()
