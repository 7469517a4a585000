"""The grade command on a Dask cluster gives the local pool's grades."""
from __future__ import annotations

import json
import sys

import pytest

from coursekit import build_submission, make_course, submit
from autograder.grading.sandbox import bwrap_path

A = "softmax"
pytestmark = pytest.mark.skipif(bwrap_path() is None,
                                reason="bubblewrap is not installed")


def test_local_cluster_grades_like_the_local_pool(tmp_path):
    sys.modules.setdefault("rfc3987_syntax", None)
    from distributed import LocalCluster

    from autograder.grading import command as gradecmd

    courses = {}
    for name in ("pool", "dask"):
        course = make_course(tmp_path / name, [A])
        submit(course, "ref", A, build_submission(A, {}))
        submit(course, "stub", A, build_submission(A, {}, base="stub"))
        submit(course, "wrong", A, build_submission(
            A, {"softmax_loss_answer": "raise ValueError('no')"}))
        courses[name] = course
    pool = gradecmd.run(A, root=courses["pool"], quiet=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        dask = gradecmd.run(A, root=courses["dask"], quiet=True,
                            scheduler=cluster.scheduler_address)
    assert {s: (o.state, o.score) for s, o in dask.items()} == \
        {s: (o.state, o.score) for s, o in pool.items()}
    assert dask["ref"].score == dask["ref"].max_score > 0
    state = json.loads((courses["dask"] / "grading_state"
                        / f"{A}.json").read_text())
    assert sorted(state) == ["ref", "stub", "wrong"]
