"""Sphinx extension: the fixed inputs of the book's live demos, from NumPy.

The demos (_static/demos/*.js, math in losslab.js) start from data and
initial weights that this extension draws with NumPy from fixed seeds and
writes to _build/html/_static/demos/fixtures.js (a script, not JSON: a
page opened from disk may not fetch files). The browser tests read the
same numbers back from the page and train NumPy's copy of each network
alongside (tests/demo_reference.py), so that the page's numbers can be
compared with NumPy's.

    window.LossLabFixtures = {
      datasets: {circle|xor|gauss|spiral: {X: (N, 2), y: (N,), noise:
                 (N, 2), order: (N,)}},
      playground: {"<layers>x<units>": [{W: (in, out), b: (out,)}, ...]},
      regression: {"<units>": [...], points: {x: (P,), y: (P,)}},
    }
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

SEED = 20261202
POINTS = 200
MAX_LAYERS = 3
MAX_UNITS = 8


def _dataset(name: str, rng: np.random.Generator):
    """(X (N, 2), y (N,)) of a noiseless data set in [-1, 1]^2."""
    n = POINTS
    if name == "circle":
        r = np.concatenate([rng.uniform(0, 0.45, n // 2),
                            rng.uniform(0.65, 1.0, n - n // 2)])
        angle = rng.uniform(0, 2 * np.pi, n)
        X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        y = (r < 0.55).astype(float)
    elif name == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        X += 0.05 * np.sign(X)          # a gap along the axes
        y = ((X[:, 0] > 0) == (X[:, 1] > 0)).astype(float)
    elif name == "gauss":
        y = (np.arange(n) % 2).astype(float)
        centres = np.where(y[:, None] == 1, 0.5, -0.5)
        X = centres + 0.25 * rng.normal(size=(n, 2))
    elif name == "spiral":
        t = np.linspace(0.15, 1.0, n // 2)
        arms = []
        for k in (0, 1):
            angle = 2.6 * np.pi * t + k * np.pi
            arms.append(np.column_stack([t * np.cos(angle),
                                         t * np.sin(angle)]))
        X = np.concatenate(arms)
        y = np.repeat([0.0, 1.0], n // 2)
    else:
        raise ValueError(name)
    return X, y


def _layers(rng: np.random.Generator, sizes: list[int]) -> list[dict]:
    """Weights N(0, 1/fan-in) and zero biases for layer sizes [in, ...]."""
    return [{"W": (rng.normal(size=(a, b)) / np.sqrt(a)).tolist(),
             "b": [0.0] * b} for a, b in zip(sizes, sizes[1:])]


def fixtures(seed: int = SEED) -> dict:
    """Everything the demos start from, as lists of floats."""
    rng = np.random.default_rng(seed)
    datasets = {}
    for name in ("circle", "xor", "gauss", "spiral"):
        X, y = _dataset(name, rng)
        datasets[name] = {"X": X.tolist(), "y": y.tolist(),
                          "noise": rng.normal(size=X.shape).tolist(),
                          "order": rng.permutation(len(y)).tolist()}
    playground = {f"{layers}x{units}": _layers(
                      rng, [2] + [units] * layers + [1])
                  for layers in range(1, MAX_LAYERS + 1)
                  for units in range(1, MAX_UNITS + 1)}
    regression = {str(units): _layers(rng, [1, units, 1])
                  for units in range(1, MAX_UNITS + 1)}
    x = np.linspace(-1, 1, 7)
    regression["points"] = {"x": x.tolist(),
                            "y": (0.6 * np.sin(2.5 * x)).tolist()}
    return {"seed": seed, "datasets": datasets, "playground": playground,
            "regression": regression}


def write_fixtures(app, exception):
    """_build/html/_static/demos/fixtures.js, after a successful build,
    next to a fresh copy of _static/demos (Sphinx copies static files
    only when some page is rebuilt: a change to a demo's script alone
    would otherwise leave the old one in the build)."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / "demos"
    shutil.copytree(Path(app.confdir) / "_static" / "demos", out,
                    dirs_exist_ok=True)
    text = json.dumps(fixtures(), separators=(",", ":"))
    (out / "fixtures.js").write_text(
        f"window.LossLabFixtures = {text};\n", encoding="utf-8")


def setup(app):
    app.connect("build-finished", write_fixtures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
