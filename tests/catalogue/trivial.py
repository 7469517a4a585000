"""Trivial answers of every graded function, which must earn nothing.

For each function: a constant (every value 0.5, in the right shape), all
zeros in the right shape, and its own input handed back; for the
functions that return a loss with its gradients, also the right loss with
zero gradients and the right gradients with a constant loss. Each answer
wraps the reference solution, so it has the right shapes and types and
differs from a right answer only in being trivial.

A trivial answer must fail every test cell that calls its function; the
cells of functions whose reference solution calls it may fail too (they
compute with a wrong value), the other cells keep their points.
"""
from __future__ import annotations

import ast

from coursekit import ROOT, solution_sources

from .common import Submission

#: Functions that return (loss, gradient, ...).
LOSS_AND_GRADIENTS = {"logistic_loss", "softmax_loss", "svm_loss",
                      "multilabel_hinge_loss", "regression_loss",
                      "mlp_loss_and_grads"}

#: kind -> (what the wrapper returns, a phrase its diagnosis must contain)
KINDS = {
    "constant": ("_trivial.constant(_out)", "a constant is not an answer"),
    "zeros": ("_trivial.zeros(_out)", "all zeros"),
    "echo": ("_trivial.echo(_out, args)", "returns its input unchanged"),
    "zero_gradient": ("_trivial.zero_gradient(_out)",
                      "returns a placeholder for"),
    "constant_loss": ("_trivial.constant_loss(_out)",
                      "returns the same loss"),
}

#: Helpers defined with every trivial answer (a student may define
#: helpers in the answer cell).
HELPERS = '''
class _trivial:
    """Trivial stand-ins shaped like the right answer."""

    @staticmethod
    def _fill(value, fill):
        if isinstance(value, (tuple, list)):
            return type(value)(_trivial._fill(v, fill) for v in value)
        if np.ndim(value) == 0:
            return float(fill)
        return np.full(np.shape(value), float(fill))

    @staticmethod
    def constant(out):
        return _trivial._fill(out, 0.5)

    @staticmethod
    def zeros(out):
        return _trivial._fill(out, 0.0)

    @staticmethod
    def echo(out, args):
        """Inputs handed back: for each part of the answer an input of
        its shape if there is one, else the first array input."""
        arrays = [a for a in args if isinstance(a, np.ndarray)]

        def pick(value, k):
            same = [a for a in arrays if np.shape(a) == np.shape(value)]
            return same[min(k, len(same) - 1)] if same else arrays[0]

        if isinstance(out, (tuple, list)):
            return type(out)(pick(v, k) for k, v in enumerate(out))
        return pick(out, 0)

    @staticmethod
    def zero_gradient(out):
        return (out[0], *_trivial.zeros(tuple(out[1:])))

    @staticmethod
    def constant_loss(out):
        return (1.0, *out[1:])
'''


def _wrapper(name: str, solution: str, kind: str) -> str:
    returns = KINDS[kind][0]
    return f'''{solution}
{HELPERS}
_right_{name} = {name}


def {name}(*args, **kwargs):
    _out = _right_{name}(*args, **kwargs)
    return {returns}
'''


def _grade_cells(assignment: str) -> dict[str, str]:
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")}


def _mentions(source: str, name: str) -> bool:
    """Whether ``source`` uses the global ``name`` (not np.name, not a
    string, not the checks module the hidden block imports)."""
    return any(isinstance(node, ast.Name) and node.id == name
               for node in ast.walk(ast.parse(source)))


def cells_calling(assignment: str, names: set[str]) -> set[str]:
    """The test cells that call one of ``names``."""
    return {cell for cell, src in _grade_cells(assignment).items()
            if any(_mentions(src, f) for f in names)}


def callers(assignment: str, name: str) -> set[str]:
    """The graded functions whose reference solution calls ``name``,
    directly or through another one."""
    sources = {k.removesuffix("_answer"): v
               for k, v in solution_sources(assignment).items()}
    found, grew = {name}, True
    while grew:
        more = {f for f, src in sources.items()
                if f not in found and any(_mentions(src, w) for w in found)}
        found |= more
        grew = bool(more)
    return found - {name}


def submissions(assignment: str) -> list[Submission]:
    """The trivial answers of every graded function of ``assignment``."""
    out = []
    for grade_id, solution in solution_sources(assignment).items():
        name = grade_id.removesuffix("_answer")
        defined = [n.name for n in ast.parse(solution).body
                   if isinstance(n, ast.FunctionDef)]
        assert defined == [name], (grade_id, defined)
        kinds = ["constant", "zeros", "echo"]
        if name in LOSS_AND_GRADIENTS:
            kinds += ["zero_gradient", "constant_loss"]
        fails = frozenset(cells_calling(assignment, {name}))
        may_fail = frozenset(cells_calling(
            assignment, callers(assignment, name))) - fails
        for kind in kinds:
            phrase = KINDS[kind][1]
            out.append(Submission(
                f"trivial_{name}_{kind}",
                {grade_id: _wrapper(name, solution, kind)}, fails,
                (phrase,) if phrase else (), may_fail=may_fail))
    return out
