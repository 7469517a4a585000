"""The grader's own BLAS runs on one thread once it grades
(autograder.grading.execution.one_blas_thread)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json
from threadpoolctl import threadpool_info
from autograder.grading import execution

def blas():
    return [i["num_threads"] for i in threadpool_info()
            if i["user_api"] == "blas"]

before = blas()
execution.one_blas_thread()
execution.one_blas_thread()
print(json.dumps([before, blas()]))
"""


def test_the_grader_limits_its_blas_to_one_thread():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env,
                          capture_output=True, text=True, check=True)
    before, after = json.loads(done.stdout)
    assert before and set(before) == {2}, done.stdout
    assert set(after) == {1}, done.stdout
