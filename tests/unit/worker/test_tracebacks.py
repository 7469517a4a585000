"""autograder.worker.tracebacks: inspect.getmodule without the walks that
find nothing, and the worker shell's tracebacks word for word as before."""
from __future__ import annotations

import inspect
import json
import subprocess
import sys
import types

from autograder.worker import tracebacks

CELL_FILE = "<cell-under-test>"


def test_a_walk_happens_only_when_the_modules_changed(monkeypatch):
    walks = []

    def counted(object, _filename=None):
        if object is code:  # (the walk itself asks about each module)
            walks.append(_filename)
        return original(object, _filename)

    original = tracebacks._original
    monkeypatch.setattr(tracebacks, "_original", counted)
    monkeypatch.setattr(tracebacks, "_walked", None)
    # installed: inspect calls getmodule itself on the way (getsourcefile)
    monkeypatch.setattr(inspect, "getmodule", tracebacks.getmodule)
    code = compile("pass", CELL_FILE, "exec")

    assert inspect.getmodule(code) is None
    assert inspect.getmodule(code) is None
    assert len(walks) == 1  # the second call learnt nothing new

    # a module that owns the file, imported since: the next call walks
    module = types.ModuleType("cell_module_under_test")
    module.__file__ = CELL_FILE
    monkeypatch.setitem(sys.modules, module.__name__, module)
    try:
        assert inspect.getmodule(code) is module
        assert len(walks) == 2
        assert inspect.getmodule(code) is module
        assert len(walks) == 2
        assert original(code) is module
    finally:
        for path, name in list(inspect.modulesbyfile.items()):
            if name == module.__name__:
                del inspect.modulesbyfile[path]
        inspect._filesbymodname.pop(module.__name__, None)


def test_objects_that_need_no_walk_go_to_the_original(monkeypatch):
    calls = []
    monkeypatch.setattr(tracebacks, "_original",
                        lambda o, f=None: calls.append(o) or "original")
    assert tracebacks.getmodule(json) == "original"            # a module
    assert tracebacks.getmodule(json.dumps) == "original"      # __module__
    assert len(calls) == 2


#: Cells whose tracebacks the shell formats: frames of cells, of NumPy,
#: and of a module made while the notebook runs (sys.modules changes
#: between errors) whose file exists nowhere: its lines come from its
#: loader.
CELLS = [
    "import numpy as np\n"
    "def softmax(z):\n    '''doc'''\n    raise NotImplementedError('stub')\n",
    "softmax(np.ones(3))",
    "x = np.ones(3)\nassert softmax(x).shape == (3,)",
    "def f(z):\n    return np.linalg.inv(z)\nf(np.ones((2, 3)))",
    "import importlib.abc, importlib.util, sys\n"
    "SOURCE = 'def g():\\n    raise ValueError(\"in a virtual module\")\\n'\n"
    "class Loader(importlib.abc.SourceLoader):\n"
    "    def get_filename(self, name): return '/nowhere/virtual.py'\n"
    "    def get_data(self, path): return SOURCE.encode()\n"
    "spec = importlib.util.spec_from_loader('virtual', Loader())\n"
    "virtual = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(virtual)\n"
    "sys.modules['virtual'] = virtual\n"
    "virtual.g()",
    "softmax(1)",
    "virtual.g()",
]

SCRIPT = """
import inspect, json, sys
from autograder.worker import tracebacks
from autograder.worker import shell as worker_shell
from autograder.worker.__main__ import Outputs
out = Outputs(10 ** 7)
shell = worker_shell.take(lambda: out)
if sys.argv[1] == "original":
    inspect.getmodule = tracebacks._original
for cell in json.loads(sys.argv[2]):
    shell.run_cell(cell)
print(json.dumps([o for o in out.items if o["output_type"] == "error"]))
"""


def errors(variant: str, tmp_path) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, variant, json.dumps(CELLS)],
        capture_output=True, text=True, cwd=tmp_path, check=True)
    return json.loads(done.stdout)


def test_the_shell_formats_tracebacks_as_with_the_original(tmp_path):
    ours, theirs = errors("ours", tmp_path), errors("original", tmp_path)
    assert len(ours) == 6
    assert ours == theirs
    virtual = "\n".join(ours[3]["traceback"])
    assert "/nowhere/virtual.py" in virtual
    assert 'raise ValueError("in a virtual module")' in virtual
