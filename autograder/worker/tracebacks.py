"""Cheaper tracebacks for the worker's shell, word for word the same.

IPython formats a cell's error frame by frame, and for every frame of a
cell (whose file, ``<ipython-input-...>``, is no module's) it asks
``inspect.getmodule`` several times. Each such call walks all of
``sys.modules`` (~400 modules here) to learn of modules imported since
the last walk, then finds none: about a third of a traceback's cost, and
a stub notebook formats one per test cell.

``install()`` puts a wrapper in inspect's place that skips the walk when
it could learn nothing: ``sys.modules`` holds the same names and module
objects as at the last walk. Then the answer is what the original would
give after a walk that changed nothing. (Not noticed: a module's
``__file__`` rewritten in place, which the original walk would pick up;
only the student's own traceback text could differ.)
"""
from __future__ import annotations

import inspect
import sys

_original = inspect.getmodule
#: sys.modules as the last walk saw it: (name, module) pairs.
_walked: tuple | None = None


def getmodule(object, _filename=None):
    """inspect.getmodule, without a walk that would find nothing new."""
    global _walked
    if (inspect.ismodule(object) or hasattr(object, "__module__")
            or hasattr(object, "__name__")
            or (_filename is not None and _filename in inspect.modulesbyfile)):
        # answered without a walk, or looked up by name after it
        return _original(object, _filename)
    try:
        file = inspect.getabsfile(object, _filename)
    except (TypeError, FileNotFoundError):
        return None
    if file not in inspect.modulesbyfile:
        modules = tuple(sys.modules.items())
        if modules != _walked:
            _walked = modules
            return _original(object, _filename)
    # a walk now would change nothing: the original's answer after one
    name = inspect.modulesbyfile.get(file)
    return None if name is None else sys.modules.get(name)


def install() -> None:
    """Use the wrapper from now on (the next call walks once)."""
    global _walked
    _walked = None
    inspect.getmodule = getmodule
