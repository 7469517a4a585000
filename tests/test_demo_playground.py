"""The playground (book/playground.md, _static/demos/playground.js) in
headless Chromium: a reader's choices set through the controls, 50 presses
of "one step", and the training and test losses the page shows compared
with NumPy's (tests/demo_reference.py) on the same data, split and initial
weights (the fixtures _ext/demos.py writes). Also: reset, start and pause,
labels, keyboard, a 390 px wide screen, the page without JavaScript, and
screenshots of the demo before and after training."""
from __future__ import annotations


import numpy as np
import pytest

import demo_reference as ref
from bookserver import CHROMIUM, NO_CHROMIUM, SHOTS
from demo_page import fixtures, split

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

PAGE = "book/playground.html"
#: Agreement the issue asks for between the page and NumPy.
RTOL = 1e-9
STEPS = 50


def numpy_losses(cfg: dict, steps: int):
    """NumPy's (initial training loss, training and test loss after
    ``steps`` full-batch steps) for a configuration of the page."""
    Xtr, ytr, Xte, yte = split(cfg["dataset"], cfg["noise"], cfg["train"])
    layers = fixtures()["playground"][f"{cfg['layers']}x{cfg['units']}"]
    losses, final, trained = ref.train(layers, cfg["act"], Xtr, ytr,
                                       cfg["loss"], cfg["lr"], steps)
    _, _, s, yhat = ref.forward(trained, cfg["act"], Xte)
    start = losses[0] if losses else final
    return start, final, ref.loss(cfg["loss"], s, yhat, yte)


def close(got, want, rtol=RTOL):
    np.testing.assert_allclose(float(got), float(want), rtol=rtol, atol=0)


@pytest.fixture
def page(site):
    _, b = site
    page = b.open(PAGE)
    page.wait_for_selector("#demo-playground:not([hidden])")
    yield page
    page.close()


def configure(page, cfg: dict) -> dict:
    """Set the controls as a reader would; return the configuration with
    the values the page's inputs now hold (read back from them)."""
    page.select_option("#pg-dataset", cfg["dataset"])
    page.fill("#pg-noise", str(cfg["noise"]))
    page.fill("#pg-train", str(cfg["train"]))
    page.select_option("#pg-layers", str(cfg["layers"]))
    page.select_option("#pg-units", str(cfg["units"]))
    page.select_option("#pg-act", cfg["act"])
    page.select_option("#pg-loss", cfg["loss"])
    page.fill("#pg-lr", str(cfg["lr"]))
    return {**cfg, "noise": float(page.input_value("#pg-noise")),
            "train": float(page.input_value("#pg-train")),
            "lr": float(page.input_value("#pg-lr"))}


def shown(page, name: str) -> float:
    """An <output>'s full value (data-value), after checking that its text
    is that value to the 6 digits the reader sees."""
    out = page.locator(f"#pg-{name}")
    value = float(out.get_attribute("data-value"))
    np.testing.assert_allclose(float(out.inner_text()), value, rtol=5e-6)
    return value


CONFIGS = [
    dict(dataset="circle", noise=0.1, train=0.5, layers=2, units=4,
         act="tanh", loss="squared", lr=2.0),
    dict(dataset="spiral", noise=0.2, train=0.7, layers=3, units=8,
         act="relu", loss="xent", lr=0.3),
    dict(dataset="xor", noise=0.05, train=0.6, layers=1, units=3,
         act="swish", loss="xent", lr=1.0),
    dict(dataset="gauss", noise=0.3, train=0.8, layers=3, units=8,
         act="softplus", loss="squared", lr=1.5),
    dict(dataset="spiral", noise=0.0, train=0.9, layers=2, units=6,
         act="leaky_relu", loss="squared", lr=0.8),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "{dataset}-{layers}x"
                         "{units}-{act}-{loss}".format(**c))
def test_fifty_presses_of_one_step_match_numpy(site, page, cfg):
    cfg = configure(page, cfg)
    start, final, test = numpy_losses(cfg, STEPS)
    assert page.inner_text("#pg-steps") == "0"
    close(shown(page, "train-loss"), start)
    for _ in range(STEPS):
        page.click("#pg-step")
    assert page.inner_text("#pg-steps") == str(STEPS)
    assert final != start
    close(shown(page, "train-loss"), final)
    close(shown(page, "test-loss"), test)
    # the whole data set is there, split into training and test samples
    counters = page.evaluate("playgroundApi.counters()")
    assert counters["train"] + counters["test"] == 200
    page.click("#pg-reset")
    assert page.inner_text("#pg-steps") == "0"
    close(shown(page, "train-loss"), start)
    _, b = site
    assert not b.errors and not b.blocked


def test_the_boundary_is_redrawn_after_every_step(page):
    before = page.evaluate("playgroundApi.counters()")
    for _ in range(5):
        page.click("#pg-step")
    after = page.evaluate("playgroundApi.counters()")
    assert after["steps"] - before["steps"] == 5
    assert after["boundaryDraws"] - before["boundaryDraws"] == 5


def test_start_and_pause_train_as_numpy_does(site, page):
    cfg = configure(page, dict(dataset="xor", noise=0.1, train=0.5,
                               layers=2, units=5, act="tanh", loss="xent",
                               lr=0.5))
    draws = page.evaluate("playgroundApi.counters().boundaryDraws")
    page.click("#pg-start")
    assert page.locator("#pg-start").is_disabled()
    page.wait_for_function(
        "Number(document.getElementById('pg-steps').textContent) >= 30")
    page.click("#pg-pause")
    steps = int(page.inner_text("#pg-steps"))
    page.wait_for_timeout(200)
    assert int(page.inner_text("#pg-steps")) == steps, "pause stops"
    counters = page.evaluate("playgroundApi.counters()")
    assert not counters["running"]
    assert counters["boundaryDraws"] - draws == steps
    _, final, test = numpy_losses(cfg, steps)
    close(shown(page, "train-loss"), final)
    close(shown(page, "test-loss"), test)
    _, b = site
    assert not b.errors and not b.blocked


def test_every_control_has_a_label(page):
    names = page.evaluate("""() => [...document.querySelectorAll(
        '#demo-playground input, #demo-playground select,' +
        ' #demo-playground button, #demo-playground canvas')].map((el) => [
        el.id, el.tagName === 'BUTTON' ? el.textContent.trim() :
        (el.getAttribute('aria-label') ||
         [...(el.labels || [])].map((l) => l.textContent.trim()).join(' '))
    ])""")
    assert len(names) >= 15
    assert all(name for _, name in names), names


def test_a_keyboard_user_can_step_and_change_the_noise(page):
    page.focus("#pg-step")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert page.inner_text("#pg-steps") == "2"
    page.focus("#pg-noise")
    page.keyboard.press("ArrowRight")
    assert page.input_value("#pg-noise") == "0.15"
    assert page.inner_text("#pg-noise-value") == "0.15"
    assert page.inner_text("#pg-steps") == "0", "new data: step 0 again"
    page.focus("#pg-act")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#pg-act") == "relu"


def test_readable_at_390_px_without_horizontal_overflow(site):
    base, b = site
    context = b.browser.new_context(viewport={"width": 390, "height": 844})
    context.route("**/*", b._only_base)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/{PAGE}", wait_until="load")
        page.wait_for_selector("#demo-playground:not([hidden])")
        sizes = page.evaluate("""() => {
            const demo = document.getElementById('demo-playground');
            return {page: document.documentElement.scrollWidth,
                    view: document.documentElement.clientWidth,
                    demo: demo.scrollWidth, demoBox: demo.clientWidth,
                    right: Math.max(...[...demo.querySelectorAll('*')]
                        .map((el) => el.getBoundingClientRect().right))};
        }""")
        page.locator("#demo-playground").screenshot(
            path=str(SHOTS / "demo-playground-390px.png"))
    finally:
        context.close()
    assert sizes["page"] <= sizes["view"], sizes
    assert sizes["demo"] <= sizes["demoBox"], sizes
    assert sizes["right"] <= 390, sizes
    assert not errors and not b.blocked


def test_without_javascript_the_page_says_it_needs_it(site):
    base, b = site
    context = b.browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{base}/{PAGE}", wait_until="load")
        assert page.locator("#pg-noscript").is_visible()
        assert "needs JavaScript" in page.inner_text("#pg-noscript")
        assert not page.locator("#demo-playground").is_visible()
    finally:
        context.close()


def test_with_javascript_the_note_is_hidden(page):
    assert not page.locator("#pg-noscript").is_visible()
    assert page.locator("#pg-boundary").is_visible()


def test_screenshots_before_and_after_training(site, page):
    configure(page, dict(dataset="spiral", noise=0.05, train=0.8, layers=3,
                         units=8, act="tanh", loss="xent", lr=0.5))
    demo = page.locator("#demo-playground")
    demo.screenshot(path=str(SHOTS / "demo-playground-before.png"))
    before = shown(page, "train-loss")
    page.evaluate("playgroundApi.run(1500)")
    assert page.inner_text("#pg-steps") == "1500"
    assert shown(page, "train-loss") < 0.5 * before
    demo.screenshot(path=str(SHOTS / "demo-playground-after.png"))
    _, b = site
    assert not b.errors and not b.blocked
