"""The backpropagation chapter's live regression demo
(_static/demos/regression.js) in headless Chromium with no network: a
reader's controls (units, learning rate, step, reset, points added with
the form, the mouse and the keyboard) and the numbers the page shows
(#reg-steps, #reg-loss, the points' list) against NumPy
(tests/demo_reference.py on autograder/reference)."""
from __future__ import annotations

import numpy as np
import pytest

import demo_reference as ref
from bookserver import CHROMIUM, NO_CHROMIUM, SHOTS
from demo_page import (LABELS_JS, assert_clean, assert_fits,
                       close, demos, opened)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


PAGE = "book/backprop.html"
DEMO = "#demo-regression"
FIXTURES = demos.fixtures()["regression"]
# the fit canvas's drawing: its size and the data window (regression.js)
FIT_W, FIT_H, PAD, LO, HI = 480, 300, 30, -1.25, 1.25


@pytest.fixture
def page(site):
    with opened(site[1], PAGE, f"{DEMO}[data-ready=true]") as page:
        yield page


def shown(page):
    """(steps, loss) as the page shows them, the loss's full float from
    data-value after checking that the text is that number rounded."""
    steps = page.locator("#reg-steps")
    loss = page.locator("#reg-loss")
    assert steps.text_content() == steps.get_attribute("data-value")
    value = float(loss.get_attribute("data-value"))
    close(float(loss.text_content()), value, rtol=1e-5)
    return int(steps.text_content()), value


def points(page):
    """The points of the list (#reg-point), as the reader sees them."""
    return page.evaluate("""() => [...document.querySelectorAll(
        '#reg-point option')].map((o) => [Number(o.dataset.x),
        Number(o.dataset.y), o.textContent])""")


def numpy_loss(units, xs, ys, lr=0.0, steps=0):
    X = np.asarray(xs, dtype=float)[:, None]
    y = np.asarray(ys, dtype=float)
    _, final, _ = ref.train(FIXTURES[str(units)], "tanh", X, y, "squared",
                            lr, steps, output="linear")
    return final


def press_step(page, times):
    """Step with the keyboard: focus the Step button and press Enter."""
    page.focus("#reg-step")
    for _ in range(times):
        page.keyboard.press("Enter")


def test_starts_from_the_fixture_points_and_weights(page):
    start = FIXTURES["points"]
    got = points(page)
    close([p[0] for p in got], start["x"], rtol=1e-15)
    close([p[1] for p in got], start["y"], rtol=1e-15)
    assert got[0][2] == f"point 1: ({start['x'][0]:.2f}, {start['y'][0]:.2f})"
    steps, loss = shown(page)
    units = int(page.input_value("#reg-units"))
    assert steps == 0
    close(loss, numpy_loss(units, start["x"], start["y"]))


@pytest.mark.parametrize("units, lr", [(1, 0.5), (5, 0.3), (8, 0.2)])
def test_fifty_steps_show_numpys_loss(page, units, lr):
    page.select_option("#reg-units", str(units))
    page.fill("#reg-lr", str(lr))
    if units == 5:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(DEMO).screenshot(
            path=str(SHOTS / "demo-regression-before.png"))
    press_step(page, 50)
    steps, loss = shown(page)
    start = FIXTURES["points"]
    want = numpy_loss(units, start["x"], start["y"], lr, 50)
    assert steps == 50
    close(loss, want)
    assert want < numpy_loss(units, start["x"], start["y"]), \
        "50 steps lower the loss"


def test_a_point_added_with_the_form_trains_like_numpy(page):
    page.select_option("#reg-units", "8")
    page.fill("#reg-lr", "0.2")
    press_step(page, 7)                   # some training before the point
    page.fill("#reg-add-x", "0.35")
    page.fill("#reg-add-y", "-0.4")
    page.click("#reg-add")
    got = points(page)
    assert len(got) == 8 and got[-1][:2] == [0.35, -0.4]
    assert page.input_value("#reg-point") == "7", "the new point is selected"
    page.click("#reg-reset")
    assert shown(page)[0] == 0
    press_step(page, 50)
    xs = FIXTURES["points"]["x"] + [0.35]
    ys = FIXTURES["points"]["y"] + [-0.4]
    steps, loss = shown(page)
    assert steps == 50
    close(loss, numpy_loss(8, xs, ys, 0.2, 50))
    # Start points brings back the seven; the weights stay where they are
    page.click("#reg-restore")
    assert len(points(page)) == 7


def _client(page, x, y):
    """Page coordinates of the data point (x, y) on the fit canvas."""
    box = page.locator("#reg-fit").bounding_box()
    u = PAD + (x - LO) / (HI - LO) * (FIT_W - 2 * PAD)
    v = FIT_H - PAD - (y - LO) / (HI - LO) * (FIT_H - 2 * PAD)
    return (box["x"] + u / FIT_W * box["width"],
            box["y"] + v / FIT_H * box["height"])


def test_points_are_added_and_dragged_with_the_pointer(page):
    # a click where there is no point adds one there
    page.mouse.click(*_client(page, -0.6, 0.9))
    got = points(page)
    assert len(got) == 8
    close(got[-1][:2], [-0.6, 0.9], rtol=0.03)
    # drag the fourth point (0, 0) up to y = 0.8
    x0, y0 = FIXTURES["points"]["x"][3], FIXTURES["points"]["y"][3]
    page.mouse.move(*_client(page, x0, y0))
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(*_client(page, x0 + 0.02 * k, y0 + 0.16 * k))
    page.mouse.up()
    got = points(page)
    assert len(got) == 8, "a drag adds no point"
    close(got[3][:2], [0.1, 0.8], rtol=0.05)
    # the loss shown is that of the points shown, at the start weights
    _, loss = shown(page)
    units = int(page.input_value("#reg-units"))
    close(loss, numpy_loss(units, [p[0] for p in got], [p[1] for p in got]))


def test_the_keyboard_selects_and_moves_a_point(page):
    page.focus("#reg-point")
    page.keyboard.press("ArrowDown")      # native select: point 2
    assert page.input_value("#reg-point") == "1"
    before = points(page)[1]
    page.focus("#reg-fit")
    for key in ("ArrowUp", "ArrowUp", "ArrowRight"):
        page.keyboard.press(key)
    after = points(page)[1]
    close(after[:2], [before[0] + 0.05, before[1] + 0.1], rtol=1e-12)
    page.keyboard.press("n")              # next point
    assert page.input_value("#reg-point") == "2"
    page.keyboard.press("Delete")
    assert len(points(page)) == 6
    got = points(page)
    _, loss = shown(page)
    units = int(page.input_value("#reg-units"))
    close(loss, numpy_loss(units, [p[0] for p in got], [p[1] for p in got]))


def test_start_and_pause_and_a_bad_learning_rate(page):
    page.select_option("#reg-units", "6")
    page.fill("#reg-lr", "0.5")
    page.click("#reg-run")
    assert page.get_attribute("#reg-run", "aria-pressed") == "true"
    page.wait_for_function(
        "() => Number(document.querySelector('#reg-steps').value) >= 400",
        timeout=30000)
    page.click("#reg-run")
    assert page.text_content("#reg-run") == "Start"
    steps, loss = shown(page)
    page.wait_for_timeout(300)
    assert shown(page) == (steps, loss), "Pause stops the training"
    start = FIXTURES["points"]
    close(loss, numpy_loss(6, start["x"], start["y"], 0.5, steps))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(DEMO).screenshot(
        path=str(SHOTS / "demo-regression-after.png"))
    page.fill("#reg-lr", "-1")
    page.click("#reg-step")
    assert shown(page)[0] == steps, "no step with a negative rate"
    assert "positive" in page.text_content("#reg-status")


def test_every_control_is_labelled(page):
    assert page.evaluate(LABELS_JS, DEMO) == []
    assert page.locator(f"{DEMO} button, {DEMO} input, {DEMO} select"
                        ).count() >= 11


def test_readable_at_390_pixels(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload(wait_until="load")
    page.wait_for_selector(f"{DEMO}[data-ready=true]")
    assert page.evaluate("document.documentElement.clientWidth") == 390
    # the page itself is wider at 390 px (display math, code): the demo
    # must fit
    assert_fits(page, DEMO, whole_page=False)


def test_no_javascript_errors_and_no_request_leaves_localhost(site):
    assert_clean(site[1])
