"""The grade command's record of each submission
(autograder.grading.state): Outcome to and from dict, load(), and the
StateFile with its journal."""
from __future__ import annotations

import json
import os

import pytest

from autograder.grading import state
from autograder.grading.state import (FIELDS, GRADER_ERROR, Outcome,
                                      StateError, StateFile, load)


def full() -> Outcome:
    return Outcome("s1", state.GRADED, "", 7.5, 10.0, "abc", 1.25,
                   ["note"], ["flag"],
                   {"c1": {"notebook": "n", "passed": True,
                           "diagnosis": ""}})


def test_to_dict_from_dict_round_trips_every_field():
    outcome = full()
    raw = outcome.to_dict()
    assert tuple(raw) == FIELDS
    assert Outcome.from_dict("ignored", raw) == outcome
    assert json.loads(json.dumps(raw)) == raw


def test_an_older_record_without_flags_and_cells_loads():
    raw = full().to_dict()
    del raw["flags"], raw["cells"]
    outcome = Outcome.from_dict("s1", raw)
    assert outcome.flags == [] and outcome.cells == {}


@pytest.mark.parametrize("raw", [None, [], "graded", 3])
def test_a_record_that_is_no_object_becomes_an_empty_outcome(raw):
    assert Outcome.from_dict("s9", raw) == Outcome("s9", "")


def test_hand_edited_fields_are_coerced():
    outcome = Outcome.from_dict("s2", {
        "student": None, "state": 3, "reason": None, "score": "4.5",
        "max_score": "ten", "seconds": [1], "fingerprint": 12,
        "notes": "one note", "flags": [1, None], "cells": ["not", "dict"]})
    assert outcome == Outcome("s2", "3", "", 4.5, 0.0, "12", 0.0,
                              ["one note"], ["1", "None"], {})
    assert Outcome.from_dict("s3", {"notes": {"a": 1}}).notes == []


def test_rerun_is_a_grader_error_only():
    assert Outcome("s", state.FAILED, GRADER_ERROR + "boom").rerun
    assert not Outcome("s", state.FAILED, "the notebook crashed").rerun


def test_load_of_a_missing_file_is_empty(tmp_path):
    assert load(tmp_path / "none.json") == {}
    assert load(tmp_path) == {}         # a folder is no state file


@pytest.mark.parametrize("text, match", [
    ("{not json", "cannot be read"), ("\udcff", "cannot be read"),
    ("[1, 2]", "not a JSON object"), ('"text"', "not a JSON object"),
    ("null", "not a JSON object")])
def test_load_of_a_broken_file_raises_state_error(tmp_path, text, match):
    path = tmp_path / "a.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(StateError, match=match) as info:
        load(path)
    assert str(path) in str(info.value) and "--force" in str(info.value)


def test_load_keys_outcomes_by_student(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"s1": full().to_dict(), "7": {}}))
    got = load(path)
    assert got["s1"] == full() and got["7"] == Outcome("7", "")


def test_record_appends_to_the_journal_and_close_writes_the_file(
        tmp_path, monkeypatch):
    folder = tmp_path / "grading_state"
    states = StateFile(folder, "softmax")
    assert states.path == folder / "softmax.json" and states.outcomes == {}
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        replaced.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(state.os, "replace", spy)
    states.record(full())
    states.record(Outcome("s2", state.TIMEOUT, "over 600 s"))
    # nothing rewritten per submission; what a stopped run leaves is read
    assert replaced == [] and not states.path.exists()
    lines = states.journal.read_text().splitlines()
    assert [json.loads(line)["student"] for line in lines] == ["s1", "s2"]
    want = {"s1": full(), "s2": Outcome("s2", state.TIMEOUT, "over 600 s")}
    assert load(states.path) == want
    states.close()
    assert replaced == [(folder / "softmax.tmp", states.path)]
    assert sorted(p.name for p in folder.iterdir()) == ["softmax.json"]
    assert load(states.path) == want


def test_a_killed_run_is_read_as_far_as_it_got(tmp_path):
    """A journal beside an older file, its last line cut by the kill: the
    next run and the reports read the file, then every whole line."""
    states = StateFile(tmp_path, "a")
    states.record(Outcome("s1", state.GRADED, fingerprint="old"))
    states.close()
    states = StateFile(tmp_path, "a")
    states.record(Outcome("s1", state.GRADED, fingerprint="new"))
    states.record(Outcome("s2", state.FAILED, "bad"))
    with open(states.journal, "a") as f:
        f.write('{"student": "s3", "sta')
    got = load(states.path)
    assert got == {"s1": Outcome("s1", state.GRADED, fingerprint="new"),
                   "s2": Outcome("s2", state.FAILED, "bad")}
    again = StateFile(tmp_path, "a")
    assert again.outcomes == got and again.unchanged("s1", "new")
    # the next run's lines start on a line of their own
    again.record(Outcome("s4", state.GRADED))
    assert load(again.path)["s4"] == Outcome("s4", state.GRADED)


def test_a_failed_write_leaves_the_old_file_and_the_journal(tmp_path,
                                                           monkeypatch):
    states = StateFile(tmp_path, "a")
    states.record(full())
    states.close()
    before = states.path.read_text()
    states = StateFile(tmp_path, "a")
    states.record(Outcome("s2", state.GRADED))

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(state.os, "replace", broken)
    with pytest.raises(OSError):
        states.close()
    assert states.path.read_text() == before
    assert set(load(states.path)) == {"s1", "s2"}


def test_unchanged_needs_the_same_fingerprint_a_state_and_no_rerun(
        tmp_path):
    states = StateFile(tmp_path, "a")
    states.record(Outcome("ok", state.GRADED, fingerprint="f1"))
    states.record(Outcome("odd", "half done", fingerprint="f1"))
    states.record(Outcome("err", state.CRASHED, GRADER_ERROR + "x",
                          fingerprint="f1"))
    states = StateFile(tmp_path, "a")        # as the next run reads it
    assert states.unchanged("ok", "f1")
    assert not states.unchanged("ok", "f2")
    assert not states.unchanged("new", "f1")
    assert not states.unchanged("odd", "f1")
    assert not states.unchanged("err", "f1")


def test_a_state_file_that_cannot_be_read_stops_the_run(tmp_path):
    (tmp_path / "a.json").write_text("[]")
    with pytest.raises(StateError):
        StateFile(tmp_path, "a")
