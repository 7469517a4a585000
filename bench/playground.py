"""Benchmark of the playground (book/playground.md): full-batch steps per
second in headless Chromium at its largest network, 3 hidden layers of 8
units, on the largest data set with the largest training fraction, the
decision boundary recomputed and redrawn after every step.

Builds nothing: it serves the book already built in _build/html (run
`make book` or `jupyter-book build .` first) on localhost and runs the
page's own training loop (the Start button, requestAnimationFrame) for a
few seconds. Not a test: run

    .venv/bin/python bench/playground.py [--seconds 5]

Target (issue 14): at least 60 steps per second on 2 cores. The last line
is `ratio X.XX`, steps per second divided by 60.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bookserver import (CHROMIUM, HTML, NO_CHROMIUM,  # noqa: E402
                        browser, serve)

TARGET = 60.0
PAGE = "book/playground.html"

MEASURE_JS = """async (seconds) => {
    const api = window.playgroundApi;
    const before = api.counters(), t0 = performance.now();
    document.getElementById('pg-start').click();
    await new Promise((done) => setTimeout(done, seconds * 1000));
    const after = api.counters(), t1 = performance.now();
    document.getElementById('pg-pause').click();
    return {seconds: (t1 - t0) / 1000, steps: after.steps - before.steps,
            draws: after.boundaryDraws - before.boundaryDraws,
            grid: after.grid, train: after.train};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long the loop runs (default: 5)")
    args = parser.parse_args()
    if not (HTML / PAGE).is_file() or not (
            HTML / "_static" / "demos" / "fixtures.js").is_file():
        sys.exit(f"no built playground in {HTML}: build the book first "
                 "(make book, or jupyter-book build .); this benchmark "
                 "builds nothing")
    if CHROMIUM is None:
        sys.exit(NO_CHROMIUM)
    with serve() as base, browser(base) as b:
        page = b.open(PAGE)
        page.wait_for_selector("#demo-playground:not([hidden])")
        sizes = page.evaluate("""() => Object.entries(
            LossLabFixtures.datasets).map(([k, d]) => [k, d.y.length])""")
        largest = max(n for _, n in sizes)
        # the largest; among equals the spiral, the one that needs the
        # network's whole depth
        name = max(sizes, key=lambda kn: (kn[1], kn[0] == "spiral"))[0]
        page.select_option("#pg-dataset", name)
        page.select_option("#pg-layers", "3")
        page.select_option("#pg-units", "8")
        top = page.get_attribute("#pg-train", "max")
        page.fill("#pg-train", top)
        speeds = page.eval_on_selector_all(
            "#pg-speed option", "(os) => os.map((o) => o.value)")
        print(f"playground: {name} data set ({largest} samples, training "
              f"fraction {top}), 3 hidden layers x 8 units, "
              f"{os.cpu_count()} CPU cores")
        results = {}
        for speed in (speeds[0], speeds[-1]):
            page.select_option("#pg-speed", speed)
            page.click("#pg-reset")
            r = page.evaluate(MEASURE_JS, args.seconds)
            assert r["draws"] == r["steps"], "a step without its boundary"
            rate = r["steps"] / r["seconds"]
            results[speed] = rate
            print(f"  steps per frame up to {speed:>2}: {r['steps']} steps "
                  f"in {r['seconds']:.2f} s = {rate:.1f} steps/s "
                  f"({r['train']} training samples, boundary on a "
                  f"{r['grid']}x{r['grid']} grid redrawn after each of "
                  f"the {r['draws']} steps, one step every "
                  f"{1000 / rate:.2f} ms)")
        page.click("#pg-reset")
        ms = page.evaluate("""() => {
            const t0 = performance.now();
            playgroundApi.run(300);
            return (performance.now() - t0) / 300;
        }""")
        print(f"  compute bound (300 steps in one go, no frames): "
              f"{ms:.2f} ms a step and its boundary = {1000 / ms:.0f} "
              "steps/s")
        if b.errors or b.blocked:
            sys.exit(f"page errors {b.errors}, blocked {b.blocked}")
    best = max(results.values())
    print(f"steps/s {best:.1f} (target {TARGET:.0f})")
    print(f"ratio {best / TARGET:.2f}")


if __name__ == "__main__":
    main()
