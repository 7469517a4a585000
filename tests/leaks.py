"""Find solution code or hidden-test source where students can read it."""
from __future__ import annotations

import html
import re

import nbformat

from autograder import notebook
from coursekit import ROOT

_TAG = re.compile(r"<[^>]+>")
_SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")


def squash(text: str, markup: bool = False) -> str:
    """Text without whitespace (and, for HTML, without tags and entities),
    so that highlighting spans and line breaks cannot hide a copied line.
    Plain text keeps its "<" and ">": they are comparisons there."""
    if markup:
        text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\s+", "", text)


def _solution_blocks(source: str) -> list[list[str]]:
    """The stripped, non-blank lines of every solution block."""
    blocks, current = [], None
    for line in source.split("\n"):
        stripped = line.strip()
        if current is None and stripped == _SOLUTION[0]:
            current = []
        elif current is not None and stripped == _SOLUTION[1]:
            blocks.append(current)
            current = None
        elif current is not None and stripped:
            current.append(stripped)
    return blocks


def secret_snippets(assignment: str) -> list[str]:
    """Squashed snippets that must never appear in student-facing files:
    every hidden-test line, and every run of three solution lines (the
    whole body of a two-line answer)."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    snippets = set()
    markers = notebook.DEFAULT
    for cell in nb.cells:
        snippets.update(
            squash(line) for line in notebook.parse(cell.source).hidden_lines
            if markers.begin not in line and markers.end not in line)
        for lines in _solution_blocks(cell.source):
            if len(lines) == 1:
                # A one-line answer restates the contract's definition
                # (relu is max(0, x)); the chapter may write the formula.
                continue
            elif len(lines) < 3:
                snippets.add(squash("".join(lines)))
            else:
                snippets.update(squash("".join(lines[i:i + 3]))
                                for i in range(len(lines) - 2))
    # Shorter pieces (a bare "name)" continuation line) also occur in
    # ordinary prose and links.
    return sorted(s for s in snippets if len(s) >= 20)


def find_leaks(text: str, snippets: list[str],
               markup: bool = False) -> list[str]:
    """The snippets that occur in ``text`` (HTML when ``markup``)."""
    flat = squash(text, markup)
    return [s for s in snippets if s in flat]
