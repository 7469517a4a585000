"""The grade command's steps are nbgrader's Autograde lists, as the
course configures them (autograder.grading.pipeline.steps)."""
from __future__ import annotations

import shutil
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import IgnorePattern, LimitOutput

from autograder.course import ROOT, load_config
from autograder.grading import pipeline
from autograder.grading.gradebook import (BatchedSaveAutoGrades,
                                          CachedOverwriteCells,
                                          CheckedOnceCellMetadata)


def names(steps) -> list[str]:
    return [type(pp).__name__ for pp in steps]


def course(tmp_path: Path, extra: str = "") -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    with open(tmp_path / "nbgrader_config.py", "a") as config:
        config.write(extra)
    return tmp_path


def test_nbgraders_lists_in_its_order_with_our_cached_steps(tmp_path):
    steps = pipeline.steps(load_config(course(tmp_path)))
    assert names(steps.sanitize) == [
        "ClearOutput", "DeduplicateIds", "OverwriteKernelspec",
        "CachedOverwriteCells", "CheckedOnceCellMetadata"]
    assert steps.before_run == ()     # Execute comes first in nbgrader
    assert names(steps.after_run) == [
        "IgnorePattern", "ClearMetadataPreprocessor", "LimitOutput",
        "BatchedSaveAutoGrades", "AssignLatePenalties",
        "CheckedOnceCellMetadata"]
    assert isinstance(steps.sanitize[3], CachedOverwriteCells)
    assert isinstance(steps.after_run[3], BatchedSaveAutoGrades)
    assert isinstance(steps.after_run[-1], CheckedOnceCellMetadata)
    # built once per run: the same objects again
    assert pipeline.steps(load_config(tmp_path)) is steps


def test_the_course_configuration_flows_through(tmp_path):
    steps = pipeline.steps(load_config(course(tmp_path, (
        "c.OverwriteCells.add_missing_cells = True\n"
        "c.LimitOutput.max_lines = 7\n"
        "c.IgnorePattern.enabled = True\n"
        "c.Autograde.sanitize_preprocessors = [\n"
        "    'nbgrader.preprocessors.ClearOutput',\n"
        "    'nbgrader.preprocessors.OverwriteCells']\n"))))
    assert names(steps.sanitize) == ["ClearOutput", "CachedOverwriteCells"]
    assert steps.sanitize[1].add_missing_cells
    by_type = {type(pp): pp for pp in steps.after_run}
    assert by_type[LimitOutput].max_lines == 7
    assert by_type[IgnorePattern].enabled
    # off unless configured, as nbgrader's exporter registers it
    assert not by_type[ClearMetadataPreprocessor].enabled
