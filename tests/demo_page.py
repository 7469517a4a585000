"""What the demo tests (tests/test_demo*.py) share: the build's fixtures
module, the agreement with NumPy, and the checks of labels and width
that every demo must pass (their `site` and `session` fixtures are in
conftest.py)."""
from __future__ import annotations

import contextlib
import functools
import importlib.util

import numpy as np

from coursekit import ROOT

_spec = importlib.util.spec_from_file_location(
    "demos", ROOT / "_ext" / "demos.py")
demos = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demos)



@functools.lru_cache(maxsize=1)
def fixtures() -> dict:
    """What the build writes into fixtures.js (drawn once per session)."""
    return demos.fixtures()


def split(name: str, noise: float, fraction: float):
    """(X_train, y_train, X_test, y_test) of a data set as the pages make
    them: X + noise * noise_array, the first round(fraction N) of `order`
    train."""
    d = fixtures()["datasets"][name]
    X = np.array(d["X"]) + noise * np.array(d["noise"])
    y = np.array(d["y"])
    order = np.array(d["order"])
    n = int(round(fraction * len(y)))
    return X[order[:n]], y[order[:n]], X[order[n:]], y[order[n:]]


#: Agreement the issue asks for between what a page shows and NumPy.
RTOL = 1e-9


def close(got, want, rtol=RTOL):
    """Entrywise agreement to ``rtol`` (and 1e-3 of it near 0)."""
    np.testing.assert_allclose(np.asarray(got, dtype=float),
                               np.asarray(want, dtype=float), rtol=rtol,
                               atol=rtol * 1e-3)


#: The controls inside a selector that have no accessible name.
LABELS_JS = """(sel) => [...document.querySelectorAll(
    `${sel} input, ${sel} select, ${sel} button, ${sel} [tabindex]`)]
  .filter((el) => {
    const name = el.getAttribute('aria-label') ||
      (el.labels && [...el.labels].map((l) => l.textContent).join('')) ||
      (el.tagName === 'BUTTON' ? el.textContent : '');
    return !name.trim();
  }).map((el) => el.outerHTML.slice(0, 80))"""

#: The box of a selector and of its contents against the viewport.
NARROW_JS = """(sel) => {
    const d = document.querySelector(sel);
    const r = d.getBoundingClientRect();
    const inner = [...d.querySelectorAll('*')].map(
        (e) => e.getBoundingClientRect().right);
    return {left: r.left, right: r.right, scroll: d.scrollWidth,
            client: d.clientWidth, inner: Math.max(...inner),
            width: document.documentElement.clientWidth,
            page: document.documentElement.scrollWidth};
}"""


def assert_fits(page, selector: str, whole_page: bool = True) -> None:
    """At the page's current viewport, the demo ``selector`` (and, unless
    not ``whole_page``, the page) does not overflow sideways."""
    box = page.evaluate(NARROW_JS, selector)
    if whole_page:
        assert box["page"] <= box["width"], ("the page scrolls sideways",
                                             box)
    assert box["left"] >= 0 and box["right"] <= box["width"], box
    assert box["scroll"] <= box["client"], ("the demo scrolls sideways", box)
    assert box["inner"] <= box["right"] + 0.5, ("a control sticks out", box)


def assert_clean(browser) -> None:
    """No JavaScript error and no request that left localhost so far."""
    assert not browser.errors, browser.errors
    assert not browser.blocked, browser.blocked


@contextlib.contextmanager
def opened(browser, path: str, ready: str):
    """A page of the book at ``path`` once ``ready`` (a selector the demo
    sets when it has drawn) is there, scrolled into view; closed after."""
    page = browser.open(path)
    page.wait_for_selector(ready)
    page.locator(ready).scroll_into_view_if_needed()
    yield page
    page.close()
