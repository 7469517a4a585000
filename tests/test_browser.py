"""Every page of the built book in a real browser, with no network.

_build/html is served on localhost and opened in headless Chromium
(Debian's `chromium`; make test installs it). Any request to another host is
blocked and counted. For each page: math typeset (no raw TeX left), every
image loaded, every internal link and anchor resolves, no JavaScript
errors, headings in order, images with alt text, readable contrast. A
screenshot of each page goes to _build/screenshots/ for review.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from bookserver import (CHROMIUM, HTML, LAUNCH_ARGS, NO_CHROMIUM, SHOTS,
                        serve)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

# Facts about one page, gathered in the browser once MathJax is done.
PAGE_FACTS_JS = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight);
  const main = document.querySelector("main") || document.body;
  const mathSpans = [...document.querySelectorAll(
      "span.math, div.math")];
  const rawMath = mathSpans.filter(
      (el) => !el.querySelector("mjx-container")).length;
  // TeX left over in the visible text outside MathJax's output
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const rawTex = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest("mjx-container, pre, code, script, " +
                                  "style, .highlight, textarea")) {
      continue;
    }
    const t = node.textContent;
    if (/\\\(|\\\[|\$\$|\\frac|\\sum|\\begin\{/.test(t)) {
      rawTex.push(t.trim().slice(0, 80));
    }
  }
  const images = [...document.querySelectorAll("img")].map((img) => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt"),
    ok: img.complete && img.naturalWidth > 0}));
  const headings = [...main.querySelectorAll("h1, h2, h3, h4, h5, h6")]
      .filter(visible).map((h) => Number(h.tagName[1]));
  const links = [...document.querySelectorAll("a[href]")]
      .map((a) => a.href);
  // contrast of paragraph text against the page background
  const lum = (rgb) => {
    const c = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number)
      .map((v) => v / 255)
      .map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && !/rgba\(.*,\s*0\)$/.test(c) && c !== "transparent") {
        return c;
      }
    }
    return "rgb(255, 255, 255)";
  };
  const ratios = [...main.querySelectorAll("p")].filter(visible)
      .slice(0, 40).map((p) => {
        const a = lum(getComputedStyle(p).color), b = lum(bg(p));
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      });
  return {rawMath, rawTex, images, headings, links,
          minContrast: ratios.length ? Math.min(...ratios) : 21,
          mathCount: mathSpans.length};
}
"""


@pytest.fixture(scope="module")
def server(book_build):
    assert book_build.returncode == 0, "the book did not build"
    with serve() as base:
        yield base


def html_pages() -> list[str]:
    """Every page of the book, without index.html, a redirect page."""
    return sorted(str(p.relative_to(HTML)) for p in HTML.rglob("*.html")
                  if not p.relative_to(HTML).parts[0].startswith("_")
                  and "http-equiv" not in p.read_text(errors="replace")
                  .lower()[:2000])


@pytest.fixture(scope="module")
def visits(server):
    """page -> facts, errors and blocked requests, one browser visit each."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280,
                                                "height": 900})
        blocked: list[str] = []

        def only_localhost(route):
            if route.request.url.startswith(server):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", only_localhost)
        for page_path in html_pages():
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text)
                    if msg.type == "error" else None)
            blocked.clear()
            page.goto(f"{server}/{page_path}", wait_until="load")
            facts = page.evaluate(PAGE_FACTS_JS)
            shot = SHOTS / (page_path.replace("/", "__")[:-5] + ".png")
            page.screenshot(path=str(shot), full_page=True)
            results[page_path] = {"facts": facts, "errors": list(errors),
                                  "blocked": list(blocked)}
            page.close()
        # search works offline too
        page = context.new_page()
        page.goto(f"{server}/search.html?q=entropy", wait_until="load")
        page.wait_for_selector("#search-results ul li", timeout=20000)
        results["__search__"] = page.locator(
            "#search-results ul li").count()
        browser.close()
    return results


def _page_ids(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        text = path.read_text(encoding="utf-8", errors="replace")
        cache[path] = set(re.findall(r'\bid="([^"]+)"', text))
    return cache[path]


def test_every_page_was_visited(visits):
    pages = [p for p in visits if p != "__search__"]
    assert "book/softmax.html" in pages and len(pages) >= 8, pages
    print(f"\nbrowser test: {len(pages)} pages visited")


def test_math_is_typeset(visits):
    problems = {p: (v["facts"]["rawMath"], v["facts"]["rawTex"][:3])
                for p, v in visits.items() if p != "__search__"
                and (v["facts"]["rawMath"] or v["facts"]["rawTex"])}
    assert not problems
    # every page but the bibliography (titles and years only) has math
    pages = [p for p in visits if p.startswith("book/")
             and p != "book/bibliography.html"]
    assert pages and all(visits[p]["facts"]["mathCount"] > 0
                         for p in pages), pages


def test_every_image_loads_and_has_alt_text(visits):
    bad = {p: [i["src"] for i in v["facts"]["images"]
               if not i["ok"] or not (i["alt"] or "").strip()]
           for p, v in visits.items() if p != "__search__"}
    assert not {p: b for p, b in bad.items() if b}


def test_no_javascript_errors(visits):
    errors = {p: v["errors"] for p, v in visits.items()
              if p != "__search__" and v["errors"]}
    assert not errors


def test_no_request_leaves_localhost(visits):
    """The book works offline: fonts, math and scripts are all local."""
    blocked = {p: v["blocked"] for p, v in visits.items()
               if p != "__search__" and v["blocked"]}
    assert not blocked


def test_internal_links_and_anchors_resolve(visits, server):
    cache: dict = {}
    broken = []
    for page, v in visits.items():
        if page == "__search__":
            continue
        for href in v["facts"]["links"]:
            if not href.startswith(server):
                continue
            url, anchor = urldefrag(href)
            rel = unquote(urlparse(url).path).lstrip("/")
            target = HTML / rel
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page}: {href}")
            elif anchor and target.suffix == ".html" \
                    and anchor not in _page_ids(target, cache):
                broken.append(f"{page}: {href} (no anchor)")
    assert not broken, broken[:20]


def test_headings_do_not_skip_levels(visits):
    bad = {}
    for page, v in visits.items():
        if page == "__search__":
            continue
        levels = v["facts"]["headings"]
        jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        if jumps or (levels and levels[0] != 1):
            bad[page] = levels
    assert not bad


def test_text_contrast_is_sufficient(visits):
    """WCAG AA asks for 4.5:1 for body text."""
    low = {p: round(v["facts"]["minContrast"], 2) for p, v in visits.items()
           if p != "__search__" and v["facts"]["minContrast"] < 4.5}
    assert not low


def test_search_finds_pages_offline(visits):
    assert visits["__search__"] > 0


# -- a student's feedback page (autograder/reports/feedback.py) -------------

@pytest.fixture(scope="module")
def feedback_visit(tmp_path_factory):
    """One student's softmax feedback page, graded by nbgrader autograde,
    opened over localhost with every other request blocked."""
    from playwright.sync_api import sync_playwright

    from autograder.reports import feedback
    from coursekit import build_submission, make_course, run_nbgrader, submit

    course = make_course(tmp_path_factory.mktemp("feedback-browser"),
                         ["softmax"])
    submit(course, "student", "softmax",
           build_submission("softmax", {}, base="stub"))
    run_nbgrader(course, "autograde", "softmax", "--force")
    [path] = feedback.build("softmax", course)
    blocked: list[str] = []
    errors: list[str] = []
    with serve(path.parent) as origin, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM,
                                     args=LAUNCH_ARGS)
        context = browser.new_context()

        def block(route):
            blocked.append(route.request.url)
            route.abort()

        # every request but those to the page's own server
        context.route(re.compile(f"^(?!{re.escape(origin)}/)"), block)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text)
                if msg.type in ("error", "warning") else None)
        page.goto(f"{origin}/{path.name}", wait_until="load")
        facts = page.evaluate(PAGE_FACTS_JS)
        facts["containers"] = page.locator("mjx-container").count()
        facts["texErrors"] = page.locator("mjx-container [data-mjx-"
                                          "error], merror").count()
        facts["text"] = page.inner_text("main")
        browser.close()
    return {"facts": facts, "errors": errors, "blocked": blocked}


def test_feedback_page_typesets_math_offline(feedback_visit):
    facts = feedback_visit["facts"]
    assert facts["mathCount"] >= 10  # span.math of the notebook's text
    assert facts["containers"] == facts["mathCount"]
    assert facts["rawMath"] == 0 and facts["texErrors"] == 0
    assert not facts["rawTex"]
    for tex in ("\\frac", "\\mathrm", "$$", "\\(", "\\sum"):
        assert tex not in facts["text"], tex
    assert not feedback_visit["blocked"]
    assert not feedback_visit["errors"]
