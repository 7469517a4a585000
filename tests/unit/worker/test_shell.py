"""The shell a forked worker takes (made ahead by the fork server) is the
shell a cold worker makes, and making it ahead creates no folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import io, json, os, sys
from autograder.worker import shell as worker_shell
from autograder.worker.__main__ import Outputs
mode, root = sys.argv[1], sys.argv[2]
os.chdir(os.path.join(root, "server"))
if mode == "prepared":
    worker_shell.prepare()
created = sorted(os.listdir(root))
os.chdir(os.path.join(root, "worker"))
sys.stdin = io.StringIO("")                 # as the worker's main does
out = Outputs(10 ** 6)
shell = worker_shell.take(lambda: out)
shell.run_cell("import pickle\ndef f(x):\n    return x\n"
               "print(pickle.loads(pickle.dumps(f)) is f, _dh)\nf")
shell.run_cell("1 / 0")
tree = sorted(os.path.relpath(os.path.join(d, n), root)
              for d, dirs, files in os.walk(root) for n in dirs + files)
print(json.dumps({
    "created before take": created, "tree": tree,
    "ipython_dir": shell.ipython_dir,
    "profile": shell.profile_dir.location,
    "security": shell.profile_dir.security_dir,
    "hist_file": str(shell.history_manager.hist_file),
    "starting_dir": shell.starting_dir,
    "stdin_encoding": shell.stdin_encoding,
    "main is the user's": sys.modules["__main__"] is shell.user_module,
    "saved main": shell._orig_sys_modules_main_mod is not None,
    "saved stdin": type(shell._orig_sys_module_state["stdin"]).__name__,
    "names": sorted(shell.user_ns),
    "outputs": out.items,
    "count": shell.execution_count,
}))
"""


def snapshot(mode: str, tmp_path) -> dict:
    root = tmp_path / mode
    for sub in ("server", "worker"):
        (root / sub).mkdir(parents=True)
    env = {**os.environ, "IPYTHONDIR": str(root / "ipython"),
           "HOME": str(root / "home")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(root)],
                          capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.replace(str(root), "ROOT").splitlines()
    return {**json.loads(last), "printed": printed}


def test_a_prepared_shell_is_the_shell_a_worker_makes(tmp_path):
    cold, prepared = snapshot("cold", tmp_path), snapshot("prepared",
                                                           tmp_path)
    assert prepared["created before take"] == ["server", "worker"]
    assert prepared == cold
    assert cold["profile"] == "ROOT/ipython/profile_default"
    assert cold["starting_dir"] == "ROOT/worker"
    assert cold["main is the user's"] and cold["saved main"]
    assert cold["stdin_encoding"] == "ascii"
    assert cold["printed"] == ["True [PosixPath('ROOT/worker')]"]
    assert cold["outputs"][0]["data"]["text/plain"] == "<function __main__.f(x)>"
    assert cold["outputs"][-1]["ename"] == "ZeroDivisionError"
