"""The check authoring kit (autograder.checks.kit): inputs seeded by the
check's name, tuple unpacking with messages, and the inputs-unmodified
check built from a table."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import kit
from autograder.checks.common import STUDENT_SEED, CheckFailed
from autograder.reference import entropy as ref


def draw(name: str, case=0, seed: int = 7) -> np.ndarray:
    with kit.within(name):
        return kit.rng(seed, case).normal(size=4)


def test_inputs_depend_on_the_check_the_case_and_the_seed():
    first = draw("a.first")
    assert np.array_equal(first, draw("a.first")), "deterministic"
    others = [draw("a.second"), draw("b.first"), draw("a.first", case=1),
              draw("a.first", case="named"), draw("a.first", seed=8)]
    for other in others:
        assert not np.allclose(first, other)


def test_the_students_seed_changes_every_input():
    stock = draw("a.first")
    token = STUDENT_SEED.set(12345)
    try:
        mine = draw("a.first")
        assert np.array_equal(mine, draw("a.first"))
    finally:
        STUDENT_SEED.reset(token)
    assert not np.allclose(stock, mine)


def test_check_names_its_inputs_by_module_and_function():
    @kit.check
    def values():
        return kit.CHECK.get(), kit.rng(7).normal(size=4)

    name, drawn = values()
    assert name == f"{__name__.rsplit('.', 1)[-1]}.values"
    assert np.array_equal(drawn, draw(name))
    assert kit.CHECK.get() == "", "the name is reset afterwards"


@pytest.mark.parametrize("value, says", [
    (1.0, "should return a pair .loss, gradient., got float"),
    ((1.0,), "got tuple of length 1"),
    ([1.0, 2.0, 3.0], "got list of length 3"),
])
def test_unpack_names_what_came_back(value, says):
    with pytest.raises(CheckFailed, match=says):
        kit.unpack(value, 2, what="svm_loss")
    assert kit.unpack((1, 2), 2, what="svm_loss") == (1, 2)


def test_arg_names_are_the_references():
    assert kit.arg_names(ref.entropy) == ("p", "base")


def cases():
    p = np.array([0.2, 0.3, 0.5])
    return {"entropy": [(p,)], "entropy_grad": [(p,)]}


unmodified = kit.inputs_unmodified(ref, cases)


def test_inputs_unmodified_passes_the_reference():
    unmodified(ref.entropy, ref.entropy_grad)
    unmodified(entropy=ref.entropy)  # by name; the others are not given


def test_inputs_unmodified_names_the_changed_argument():
    def entropy_grad(p, base=2.0):
        p += 0.0
        p[0] = 1.0
        return ref.entropy_grad(np.array([0.2, 0.3, 0.5]), base)

    with pytest.raises(CheckFailed, match="entropy_grad.*p"):
        unmodified(ref.entropy, entropy_grad)


def test_inputs_unmodified_pays_only_with_right_values():
    with pytest.raises(CheckFailed, match="counts only with the right"):
        unmodified(lambda p, base=2.0: 0.5, ref.entropy_grad)


def test_inputs_unmodified_is_a_named_check():
    assert unmodified.__name__ == "inputs_unmodified"
    assert unmodified.__doc__.startswith("No function")
