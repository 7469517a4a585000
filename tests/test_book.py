"""The HTML book: builds with warnings as errors, every chapter page has
figures drawn at build time, and no page leaks solutions or hidden tests.

The build goes to _build/ (as `make book` does) so that its execution
cache makes a second run fast.
"""
from __future__ import annotations

import json
import re
import pytest
import yaml

from autograder.course import ASSIGNMENTS, assignments
from coursekit import ROOT
from leaks import find_leaks, secret_snippets

HTML = ROOT / "_build" / "html"


def toc_parts() -> dict[str, list[str]]:
    """caption -> the pages of that part of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return {part["caption"]: [entry["file"] for entry in part["chapters"]]
            for part in toc["parts"]}


def toc_pages() -> list[str]:
    """Every page of the book, the root first."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"], *(page for pages in toc_parts().values()
                           for page in pages)]


def test_toc_lists_the_chapters_of_the_assignments_list():
    """_toc.yml (read by Jupyter Book) and autograder.course.ASSIGNMENTS
    (read by everything else) name the same chapters in the same order."""
    chapters = toc_parts()["Chapters"]
    assert chapters == [a.chapter for a in ASSIGNMENTS]
    for a in ASSIGNMENTS:
        assert (ROOT / f"{a.chapter}.md").is_file(), a.chapter


@pytest.fixture(scope="module")
def build(book_build):
    """The completed `jupyter-book build` process."""
    return book_build


def test_book_builds_with_warnings_as_errors(build):
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
    assert "build succeeded" in build.stdout


def teaching_pages() -> list[str]:
    """The introduction and the chapters (not the reference pages)."""
    return [toc_pages()[0], *toc_parts()["Chapters"]]


@pytest.mark.parametrize("page", teaching_pages())
def test_every_page_has_a_figure_with_alt_text(build, page):
    text = (HTML / f"{page}.html").read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", text)
    drawn = [img for img in images if "_images/" in img]
    assert drawn, f"{page} draws no figure at build time"
    for img in images:
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and alt.group(1).strip(), f"{page}: image without alt {img}"


@pytest.mark.parametrize("name", assignments())
def test_chapter_links_the_student_notebook_only(build, name):
    text = (HTML / "book" / f"{name}.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*\.ipynb)"', text)
    assert any(link.endswith(f"{name}.ipynb") and "_downloads" in link
               for link in links), links
    assert not [link for link in links if "solutions" in link]


def test_no_solution_or_hidden_test_in_the_html(build):
    snippets = [s for name in assignments() for s in secret_snippets(name)]
    leaks = {}
    for path in HTML.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".md",
                                              ".txt", ".js", ".py"}:
            text = path.read_text(errors="replace")
            if path.suffix == ".ipynb":  # JSON-escaped: compare the cells
                text = "\n".join("".join(c["source"]) for c in
                                  json.loads(text)["cells"])
            found = find_leaks(text, snippets,
                               markup=path.suffix == ".html")
            if found:
                leaks[str(path.relative_to(HTML))] = found
    assert not leaks


def test_downloaded_notebooks_are_the_student_versions(build):
    for path in (HTML / "_downloads").rglob("*.ipynb"):
        name = path.stem
        expected = ROOT / "exercises" / name / f"{name}.ipynb"
        assert path.read_bytes() == expected.read_bytes(), path
