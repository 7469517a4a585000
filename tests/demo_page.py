"""What the demo tests (tests/test_demo*.py) share: the build's fixtures
module, the agreement with NumPy, and the checks of labels and width
that every demo must pass (their `site` and `session` fixtures are in
conftest.py)."""
from __future__ import annotations

import importlib.util

import numpy as np

from coursekit import ROOT

_spec = importlib.util.spec_from_file_location(
    "demos", ROOT / "_ext" / "demos.py")
demos = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demos)

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
