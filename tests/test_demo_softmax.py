"""The softmax knobs demo (book/softmax.md, _static/demos/softmax_knobs.js)
driven in headless Chromium as a reader would: the probabilities and the
entropy it shows equal autograder.reference's to 1e-9, its beta presets
reproduce the chapter's beta table (the slides' scores (1, 1.1) at
beta = 1, 2, 5, 100), and it is labelled, keyboard operable and fits a
390 px screen."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.reference.entropy import entropy
from autograder.reference.softmax import softmax
from bookserver import CHROMIUM, NO_CHROMIUM, SHOTS
from demo_page import LABELS_JS, assert_clean, assert_fits, close, opened

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

PAGE = "book/softmax.html"
#: The chapter's beta table for s = (1, 1.1) (book/softmax.md asserts the
#: same numbers; the slides truncate some of them, see its note).
TABLE = {1: (0.475, 0.525), 2: (0.450, 0.550), 5: (0.378, 0.622),
         100: (4.54e-5, 0.99995)}


@pytest.fixture
def page(session):
    with opened(session, PAGE, "#demo-softmax:not([hidden])") as page:
        yield page


def number_in(text: str) -> float:
    """The number at the end of a shown text such as "q₀ = 0.47502"."""
    return float(text.rsplit("=", 1)[-1].split()[0])


def shown(page):
    """(scores, T, q, H): what the demo's fields and outputs hold, and
    checks that every text is its data-value rounded to 5 digits."""
    data = page.evaluate("""() => {
        const root = document.getElementById("demo-softmax");
        const out = (el) => ({value: el.dataset.value,
                              text: el.textContent});
        return {
          scores: [...root.querySelectorAll(".sm-row input")]
              .map((el) => el.value),
          T: root.querySelector("#sm-T").dataset.value,
          q: [...root.querySelectorAll("output.sm-q")].map(out),
          H: out(root.querySelector("#sm-entropy")),
          beta: out(root.querySelector("#sm-beta")),
        };
    }""")
    for item in [*data["q"], data["H"], data["beta"]]:
        value = float(item["value"])
        assert number_in(item["text"]) == float(f"{value:.5g}"), item
    assert data["H"]["text"].endswith(" bits")
    T = float(data["T"])
    close(float(data["beta"]["value"]), 1 / T)
    return ([float(v) for v in data["scores"]], T,
            np.array([float(item["value"]) for item in data["q"]]),
            float(data["H"]["value"]))


def assert_matches_numpy(page):
    scores, T, q, H = shown(page)
    want = softmax(np.array(scores), T)
    close(q, want)
    close(H, entropy(want, base=2))
    return scores, T, q, H


def test_the_initial_state_is_the_figures_scores_at_T_1(page, session):
    scores, T, q, H = assert_matches_numpy(page)
    assert scores == [3, 2, 1, 0.5, -1] and T == 1
    assert q.argmax() == 0 and 0 < H < np.log2(5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#demo-softmax").screenshot(
        path=str(SHOTS / "demo-softmax-before.png"))
    assert_clean(session)


def test_scores_and_temperature_set_through_the_controls(page, session):
    page.fill("#sm-s0", "2.5")
    page.fill("#sm-s3", "-0.25")
    page.click("button[aria-label='remove class 4']")
    page.click("#sm-add")
    # the new class's field has the focus: type its score
    assert page.evaluate("document.activeElement.id") == "sm-s4"
    page.keyboard.press("Control+A")
    page.keyboard.type("1.75")
    page.fill("#sm-T", "0.7")
    scores, T, q, _ = assert_matches_numpy(page)
    assert scores == [2.5, 2, 1, -0.25, 1.75] and T == 0.7
    # the slider: T = 10^position, to three significant digits
    page.fill("#sm-T-range", "0.5")
    scores, T, _, _ = assert_matches_numpy(page)
    assert T == float(f"{10 ** 0.5:.3g}") == 3.16
    assert page.input_value("#sm-T") == "3.16"
    page.locator("#demo-softmax").screenshot(
        path=str(SHOTS / "demo-softmax-after.png"))
    assert_clean(session)


def test_two_to_six_classes(page):
    for _ in range(3):
        page.click("button[aria-label='remove class 0']")
    assert page.locator(".sm-row").count() == 2
    assert page.locator("button.sm-remove:disabled").count() == 2
    for _ in range(4):
        page.click("#sm-add")
    assert page.locator(".sm-row").count() == 6
    assert page.is_disabled("#sm-add")
    assert_matches_numpy(page)


def test_the_beta_presets_reproduce_the_chapters_table(page, session):
    page.click("#sm-table-scores")
    for beta, row in TABLE.items():
        page.click(f"button[data-beta='{beta}']")
        scores, T, q, H = assert_matches_numpy(page)
        assert scores == [1, 1.1] and T == 1 / beta
        # beta s, as the chapter's table computes it, agrees too
        close(q, softmax(beta * np.array([1.0, 1.1])))
        if beta == 100:
            assert abs(q[0] - row[0]) < 5e-8 and abs(q[1] - row[1]) < 5e-6
        else:
            assert tuple(np.round(q, 3)) == row
        # the text shows the table's five significant digits
        texts = page.locator("output.sm-q").all_inner_texts()
        assert [number_in(t) for t in texts] == \
            [float(f"{v:.5g}") for v in softmax(beta * np.array([1, 1.1]))]
    assert_clean(session)


def test_every_control_has_a_label(page):
    assert page.evaluate(LABELS_JS, "#demo-softmax") == []
    assert page.locator("#demo-softmax input, #demo-softmax button").count() \
        >= 14


def test_the_keyboard_turns_the_temperature(page):
    slider = page.locator("#sm-T-range")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    _, T, _, _ = assert_matches_numpy(page)
    assert float(slider.input_value()) == pytest.approx(0.02)
    assert T == float(f"{10 ** 0.02:.3g}") == 1.05
    page.keyboard.press("Tab")        # on to the T field
    assert page.evaluate("document.activeElement.id") == "sm-T"
    page.keyboard.press("Control+A")
    page.keyboard.type("0.25")
    _, T, q, _ = assert_matches_numpy(page)
    assert T == 0.25 and q[0] > 0.98            # the figure's T = 0.25
    # a preset button pressed with the keyboard
    page.focus("button[data-beta='2']")
    page.keyboard.press("Enter")
    assert shown(page)[1] == 0.5


def test_it_fits_a_390_pixel_screen(page, session):
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#sm-add")                     # six classes, the widest
    assert_fits(page, "#demo-softmax")
    assert_matches_numpy(page)
    assert_clean(session)
