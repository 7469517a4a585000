"""The losses demo (book/hinge.md, _static/demos/losses.js) driven in
headless Chromium as a reader would: the hinge (multiclass SVM) loss and
the softmax cross-entropy of one sample and their gradients with respect
to the scores equal tests/demo_reference's to 1e-9; the hinge loss and
gradient are exactly 0 once the correct score leads by Delta, while
cross-entropy's are not; and it is labelled, keyboard operable and fits a
390 px screen."""
from __future__ import annotations

import numpy as np
import pytest

from bookserver import CHROMIUM, NO_CHROMIUM, SHOTS
from demo_page import LABELS_JS, assert_clean, assert_fits, close, opened
from demo_reference import softmax_loss, svm_loss

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

PAGE = "book/hinge.html"
C = 3


@pytest.fixture
def page(session):
    with opened(session, PAGE, "#demo-losses:not([hidden])") as page:
        yield page


def rounded(value: float) -> str:
    """The demo's rounding: integers as they are, else 4 digits."""
    return str(int(value)) if value == int(value) else f"{value:.4g}"


def shown(page) -> dict:
    """What the demo's controls and outputs hold; checks that each text is
    its data-value rounded for the reader."""
    data = page.evaluate("""() => {
        const root = document.getElementById("demo-losses");
        const out = (id) => {
          const el = root.querySelector("#" + id);
          return {value: el.dataset.value, text: el.textContent};
        };
        const per = (prefix) => [0, 1, 2].map((j) => out(prefix + j));
        return {
          s: [0, 1, 2].map((j) => root.querySelector("#ls-s" + j).value),
          y: root.querySelector("#ls-y").value,
          delta: root.querySelector("#ls-delta").value,
          v: per("ls-v"), gh: per("ls-gh"), gc: per("ls-gc"),
          hinge: out("ls-hinge"), ce: out("ls-ce"),
          status: root.querySelector("#ls-status").textContent,
          correct: [...root.querySelectorAll(".ls-row")].map(
              (r) => r.classList.contains("ls-correct")),
        };
    }""")
    for item in [*data["v"], *data["gh"], *data["gc"], data["hinge"],
                 data["ce"]]:
        value = float(item["value"])
        text = item["text"].removeprefix("s = ")
        assert float(text) == float(rounded(value)), item
    num = lambda items: np.array([float(i["value"]) for i in items])  # noqa
    s = np.array([float(v) for v in data["s"]])
    y = int(data["y"])
    assert np.array_equal(num(data["v"]), s)
    assert data["correct"] == [j == y for j in range(C)]
    return {"s": s, "y": y, "delta": float(data["delta"]),
            "hinge": float(data["hinge"]["value"]), "gh": num(data["gh"]),
            "ce": float(data["ce"]["value"]), "gc": num(data["gc"]),
            "status": data["status"],
            "texts": {k: [i["text"] for i in data[k]] for k in ("gh", "gc")}
            | {"hinge": data["hinge"]["text"]}}


def assert_matches_numpy(page) -> dict:
    got = shown(page)
    loss, grad = svm_loss(got["s"], got["y"], got["delta"])
    close(got["hinge"], loss)
    close(got["gh"], grad)
    loss, grad = softmax_loss(got["s"], got["y"])
    close(got["ce"], loss)
    close(got["gc"], grad)
    return got


def set_controls(page, s, y, delta):
    for j, v in enumerate(s):
        page.fill(f"#ls-s{j}", str(v))
    page.select_option("#ls-y", str(y))
    page.fill("#ls-delta", str(delta))


def test_the_initial_state_matches_numpy(page, session):
    got = assert_matches_numpy(page)
    assert got["s"].tolist() == [2, 1.5, -1] and got["y"] == 0
    assert got["hinge"] == 0.5 and got["gh"].tolist() == [-1, 1, 0]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#demo-losses").screenshot(
        path=str(SHOTS / "demo-losses-before.png"))
    assert_clean(session)


CASES = [([2.3, -0.7, 4.1], 2, 1), ([0.5, 0.5, 0.5], 1, 1),
         ([-3.2, 1.9, 1.4], 0, 2.5), ([11.9, -12, 0.1], 1, 0.3),
         ([1, 1.1, 0], 0, 0)]


@pytest.mark.parametrize("s, y, delta", CASES)
def test_losses_and_gradients_set_through_the_controls(page, s, y, delta):
    set_controls(page, s, y, delta)
    got = assert_matches_numpy(page)
    assert got["s"].tolist() == s and got["y"] == y
    assert got["delta"] == delta


def test_hinge_is_happy_at_the_margin_cross_entropy_wants_more(page,
                                                                session):
    set_controls(page, [2.9, 2, 1.5], 0, 1)
    got = assert_matches_numpy(page)
    assert got["hinge"] > 0 and got["gh"][0] == -1      # one active term
    # the keyboard moves the correct score to a lead of Delta, then past it
    page.focus("#ls-s0")
    for lead in (1.0, 1.1, 1.2):
        page.keyboard.press("ArrowRight")
        got = assert_matches_numpy(page)
        assert got["s"][0] == pytest.approx(2 + lead)
        assert got["hinge"] == 0 and np.all(got["gh"] == 0)
        assert got["texts"]["hinge"] == "0"
        assert got["texts"]["gh"] == ["0", "0", "0"]
        assert got["ce"] > 0 and np.all(got["gc"] != 0)
        assert got["gc"][0] < 0 < got["gc"][1]
        assert got["status"].startswith("Hinge is happy")
    page.locator("#demo-losses").screenshot(
        path=str(SHOTS / "demo-losses-after.png"))
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")                     # lead 0.9 again
    got = assert_matches_numpy(page)
    assert got["hinge"] > 0 and not got["status"].startswith("Hinge is")
    assert_clean(session)


def test_the_slides_examples(page):
    """The chapter's table: [10, 9, 9] and [10, -10, -10] cost the hinge
    nothing, cross-entropy 0.5514 and 4.1e-9; [10, 10.5, 8] costs both."""
    want = {"10,9,9": (0.0, 0.5514), "10,-10,-10": (0.0, 4.122e-9),
            "10,10.5,8": (1.5, 1.024)}
    page.select_option("#ls-y", "2")
    for scores, (hinge, ce) in want.items():
        page.click(f"button[data-scores='{scores}']")
        got = assert_matches_numpy(page)
        assert got["y"] == 0 and got["delta"] == 1
        assert got["hinge"] == hinge
        assert float(f"{got['ce']:.4g}") == ce
        if hinge == 0:
            assert np.all(got["gh"] == 0) and np.all(got["gc"] != 0)
    # a wider margin wakes the hinge up on [10, 9, 9]
    page.click("button[data-scores='10,9,9']")
    page.fill("#ls-delta", "1.5")
    got = assert_matches_numpy(page)
    assert got["hinge"] == 1 and got["gh"].tolist() == [-2, 1, 1]


def test_every_control_has_a_label(page):
    assert page.evaluate(LABELS_JS, "#demo-losses") == []
    assert page.locator("#demo-losses input, #demo-losses select, "
                        "#demo-losses button").count() == 8


def test_the_keyboard_picks_the_class_and_margin(page):
    page.focus("#ls-y")
    page.keyboard.press("ArrowDown")
    got = assert_matches_numpy(page)
    assert got["y"] == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ls-delta"
    page.keyboard.press("ArrowUp")
    got = assert_matches_numpy(page)
    assert got["delta"] == pytest.approx(1.1)
    page.focus("#ls-s2")
    page.keyboard.press("End")
    got = assert_matches_numpy(page)
    assert got["s"][2] == 12


def test_it_fits_a_390_pixel_screen(page, session):
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits(page, "#demo-losses")
    assert_matches_numpy(page)
    assert_clean(session)
