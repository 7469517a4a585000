"""The activations chapter's explorer (_static/demos/activation_explorer.js)
in headless Chromium with no network: f(x) and f'(x) as the page shows
them (#act-f, #act-df) against autograder.reference.activations, and the
shaded saturation regions against NumPy's derivative on the same grid."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.reference import activations as act
from bookserver import CHROMIUM, NO_CHROMIUM, SHOTS
from demo_page import LABELS_JS, assert_clean, assert_fits, close, opened

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

PAGE = "book/activations.html"
DEMO = "#demo-activations"
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
         "swish")
REFERENCE = {name: (getattr(act, name), getattr(act, f"{name}_grad"))
             for name in NAMES}
#: the explorer's cut (activation_explorer.js) and its sampling grid
SATURATED, SAMPLES = 0.05, 800


@pytest.fixture
def page(site):
    with opened(site[1], PAGE, f"{DEMO}[data-ready=true]") as page:
        yield page


@pytest.fixture(scope="module")
def explorer(site):
    """One page for the many readout and shading cases: each sets every
    control it depends on."""
    _, b = site
    page = b.open(PAGE)
    page.wait_for_selector(f"{DEMO}[data-ready=true]")
    yield page
    page.close()


def readout(page):
    """(x, f(x), f'(x)) as shown; the text is the full float rounded."""
    out = []
    for sel in ("#act-f", "#act-df"):
        el = page.locator(sel)
        value = float(el.get_attribute("data-value"))
        close(float(el.text_content()), value, rtol=1e-5)
        out.append(value)
    return float(page.get_attribute("#act-f", "data-x")), *out


def set_range(page, lo, hi):
    page.fill("#act-xmin", str(lo))
    page.fill("#act-xmax", str(hi))


def shaded(page):
    """The shaded intervals of the derivative's panel, and the cut."""
    got = page.evaluate("""() => ({
        runs: [...document.querySelectorAll(
            '.act-panel-df .act-saturated')].map((r) => [
            Number(r.dataset.x0), Number(r.dataset.x1)]),
        threshold: Number(document.querySelector('#act-plot')
            .dataset.threshold)})""")
    return got["runs"], got["threshold"]


@pytest.mark.parametrize("name", NAMES)
def test_readout_matches_the_reference(explorer, name):
    page = explorer
    page.select_option("#act-name", name)
    set_range(page, -5, 5)
    f, df = REFERENCE[name]
    for x in (-3.0, -0.5, 0.0, 0.7, 2.5, -4.999):
        page.fill("#act-x-num", str(x))
        shown_x, fx, dfx = readout(page)
        assert shown_x == x
        close(fx, f(np.array(x)))
        close(dfx, df(np.array(x)))
    # the slider, with the keyboard: one step of 0.01 to the right
    page.focus("#act-x")
    page.keyboard.press("ArrowRight")
    shown_x, fx, dfx = readout(page)
    close(shown_x, -4.99, rtol=1e-12)
    close(fx, f(np.array(shown_x)))
    close(dfx, df(np.array(shown_x)))
    assert float(page.input_value("#act-x-num")) == shown_x


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("lo, hi", [(-5, 5), (-8, 3), (0.5, 6)])
def test_shading_is_where_the_derivative_is_small(explorer, name, lo, hi):
    page = explorer
    page.select_option("#act-name", name)
    set_range(page, lo, hi)
    runs, threshold = shaded(page)
    x = lo + (hi - lo) * np.arange(SAMPLES + 1) / SAMPLES
    slope = np.abs(REFERENCE[name][1](x))
    want = SATURATED * slope.max()
    close(threshold, want)
    small = slope < want if want > 0 else np.ones_like(x, dtype=bool)
    inside = np.zeros_like(x, dtype=bool)
    for a, b in runs:
        assert lo <= a < b <= hi
        inside |= (x >= a) & (x <= b)
    assert (inside == small).all(), (
        f"{name} on [{lo}, {hi}]: shaded at {x[inside & ~small][:3]}, "
        f"not shaded at {x[small & ~inside][:3]}")


def test_what_the_shading_shows_for_familiar_cases(page):
    set_range(page, -5, 5)
    page.select_option("#act-name", "sigmoid")
    runs, _ = shaded(page)
    # sigma'(x) < 0.05 / 4 beyond |x| = 4.36: both tails
    assert len(runs) == 2
    close([runs[0][1], runs[1][0]], [-4.36, 4.36], rtol=0.01)
    page.select_option("#act-name", "relu")
    runs, _ = shaded(page)
    assert len(runs) == 1 and runs[0][0] == -5 and abs(runs[0][1]) < 0.01
    set_range(page, 1, 5)
    assert shaded(page)[0] == [], "ReLU does not saturate right of zero"


def test_a_bad_range_keeps_the_last_good_one(page):
    set_range(page, -2, 2)
    page.fill("#act-xmin", "3")
    assert "smaller" in page.text_content("#act-status")
    assert page.get_attribute("#act-x", "max") == "2"
    page.fill("#act-xmin", "-1")
    assert page.text_content("#act-status") == ""
    assert page.get_attribute("#act-x", "min") == "-1"


def test_screenshots_before_and_after(page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    demo = page.locator(DEMO)
    demo.screenshot(path=str(SHOTS / "demo-activations-before.png"))
    page.select_option("#act-name", "tanh")
    set_range(page, -4, 4)
    page.fill("#act-x-num", "2")
    x, fx, dfx = readout(page)
    close([fx, dfx], [np.tanh(2.0), 1 - np.tanh(2.0) ** 2])
    demo.screenshot(path=str(SHOTS / "demo-activations-after.png"))


def test_every_control_is_labelled(page):
    assert page.evaluate(LABELS_JS, DEMO) == []
    assert page.locator(f"{DEMO} input, {DEMO} select").count() == 5
    assert page.get_attribute("#act-plot", "role") == "img"


def test_readable_at_390_pixels(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload(wait_until="load")
    page.wait_for_selector(f"{DEMO}[data-ready=true]")
    assert page.evaluate("document.documentElement.clientWidth") == 390
    assert_fits(page, DEMO)


def test_no_javascript_errors_and_no_request_leaves_localhost(site):
    assert_clean(site[1])
