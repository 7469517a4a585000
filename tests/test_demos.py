"""The demos' math (_static/demos/losslab.js) in headless Chromium against
NumPy (tests/demo_reference.py, built on autograder/reference), and the
fixtures the build writes for them (_ext/demos.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import demo_reference as ref
from bookserver import CHROMIUM, HTML, NO_CHROMIUM, browser, serve
from demo_page import close, demos, fixtures, split

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)


@pytest.fixture(scope="module")
def lab(book_build):
    """A page with losslab.js and fixtures.js loaded, and the browser."""
    assert book_build.returncode == 0, "the book did not build"
    with serve() as base, browser(base) as b:
        page = b.open("book/intro.html")
        page.add_script_tag(url=f"{base}/_static/demos/losslab.js")
        page.add_script_tag(url=f"{base}/_static/demos/fixtures.js")
        yield page, b


def js(page, expression: str, *args):
    return page.evaluate(expression, list(args))


def test_the_build_writes_the_fixtures_numpy_draws():
    text = (HTML / "_static" / "demos" / "fixtures.js").read_text()
    prefix = "window.LossLabFixtures = "
    assert text.startswith(prefix)
    assert json.loads(text[len(prefix):].rstrip().rstrip(";")) == \
        json.loads(json.dumps(demos.fixtures()))


X_GRID = [-1e4, -40.0, -5.0, -1.0, -0.3, 0.0, 0.2, 1.0, 3.0, 40.0, 1e4]


@pytest.mark.parametrize("name", sorted(ref.ACTIVATIONS))
def test_activations_and_derivatives_match_numpy(lab, name):
    page, _ = lab
    got = js(page, """([name, xs]) => xs.map((x) => [
        LossLab.ACTIVATIONS[name].f(x), LossLab.ACTIVATIONS[name].df(x)])""",
             name, X_GRID)
    f, df = ref.ACTIVATIONS[name]
    x = np.array(X_GRID)
    close([g[0] for g in got], f(x), rtol=1e-13)
    close([g[1] for g in got], df(x), rtol=1e-13)


def test_softmax_logsumexp_and_entropy_match_numpy(lab):
    page, _ = lab
    rng = np.random.default_rng(0)
    for s in (rng.normal(size=5) * 3, np.array([1e4, 1e4 - 1, -1e4]),
              np.array([2.0, 1.0, 0.1])):
        for T in (0.5, 1.0, 3.0):
            got = js(page, "([s, T]) => LossLab.softmax(s, T)", s.tolist(),
                     T)
            close(got, ref.sm.softmax(s, T), rtol=1e-13)
        close(js(page, "([s]) => LossLab.logsumexp(s)", s.tolist()),
              ref.sm.logsumexp(s), rtol=1e-13)
        q = ref.sm.softmax(s)
        bits = -np.sum(q[q > 0] * np.log2(q[q > 0]))
        close(js(page, "([q]) => LossLab.entropyBits(q)", q.tolist()), bits,
              rtol=1e-12)


def test_one_sample_losses_and_gradients_match_numpy(lab):
    page, _ = lab
    rng = np.random.default_rng(1)
    for _ in range(5):
        s, y = rng.normal(size=4) * 2, int(rng.integers(4))
        for name, want in (("softmaxLoss", ref.softmax_loss(s, y)),
                           ("svmLoss", ref.svm_loss(s, y))):
            got = js(page, f"([s, y]) => LossLab.{name}(s, y)", s.tolist(),
                     y)
            close(got["loss"], want[0], rtol=1e-13)
            close(got["grad"], want[1], rtol=1e-13)


def _data(name="circle", noise=0.1, train=0.5):
    """The training part of a data set, as the playground makes it."""
    return split(name, noise, train)[:2]


TRAIN_JS = """([layers, act, X, y, kind, lr, steps, output]) => {
    const net = LossLab.makeNet(layers, act, output);
    const losses = [];
    for (let k = 0; k < steps; k++) {
        losses.push(LossLab.step(net, X, y, kind, lr));
    }
    return {losses, final: LossLab.evaluate(net, X, y, kind),
            layers: net.layers};
}"""


@pytest.mark.parametrize("kind", ["squared", "xent"])
@pytest.mark.parametrize("act", sorted(ref.ACTIVATIONS))
def test_fifty_training_steps_match_numpy(lab, act, kind):
    page, _ = lab
    layers = fixtures()["playground"]["2x4"]
    X, y = _data()
    got = js(page, TRAIN_JS, layers, act, X.tolist(), y.tolist(), kind, 0.5,
             50, "sigmoid")
    losses, final, trained = ref.train(layers, act, X, y, kind, 0.5, 50)
    assert final < losses[0], "training lowers the loss"
    close(got["losses"], losses)
    close(got["final"], final)
    for mine, theirs in zip(got["layers"], trained):
        close(mine["W"], theirs["W"])


def test_a_regression_network_trains_like_numpy(lab):
    page, b = lab
    fx = fixtures()["regression"]
    X = np.array(fx["points"]["x"])[:, None]
    y = np.array(fx["points"]["y"])
    got = js(page, TRAIN_JS, fx["8"], "tanh", X.tolist(), y.tolist(),
             "squared", 0.2, 50, "linear")
    losses, final, _ = ref.train(fx["8"], "tanh", X, y, "squared", 0.2, 50,
                                 output="linear")
    close(got["losses"], losses)
    close(got["final"], final)
    assert not b.errors and not b.blocked
