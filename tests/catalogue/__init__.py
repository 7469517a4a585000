"""Fixture submissions per assignment: realistic wrong answers, correct
variants, answers written independently of both (catalogue.independent),
and the trivial answers of every function (catalogue.trivial)."""
import importlib

from autograder.course import ASSIGNMENTS

from . import independent, trivial

#: assignment -> every fixture submission: its own catalogue module
#: (tests/catalogue/<assignment>.py), the independent audit's answers and
#: the trivial answers; for every assignment of autograder.course.
CATALOGUES = {
    a.name: (importlib.import_module(a.catalogue).SUBMISSIONS
             + independent.SUBMISSIONS.get(a.name, [])
             + trivial.submissions(a.name))
    for a in ASSIGNMENTS
}


def sample(assignment: str, *, realistic: int, trivial: int,
           audit_wrong: bool = True) -> list:
    """Part of ``assignment``'s catalogue for the slow grading paths (the
    checks run on all of it in process, test_catalogue_checks.py): every
    ``realistic``-th realistic submission, correct variants included;
    every answer of the independent audit (without its wrong ones unless
    ``audit_wrong``); every ``trivial``-th trivial answer, which in the
    catalogue's order cycles through the functions and the kinds."""
    subs = CATALOGUES[assignment]
    trivial_subs = [s for s in subs if s.name.startswith("trivial_")]
    audit = [s for s in subs if s.name.startswith("audit_")
             and (audit_wrong or not s.fails)]
    rest = [s for s in subs if not s.name.startswith(("trivial_", "audit_"))]
    return rest[::realistic] + audit + trivial_subs[::trivial]
