"""The chapters' Markdown, read without building the book: every page
teaches in steps (objectives, a quick check per section, a summary and a
check-yourself section) and keeps the one notation of the introduction's
table (a symbol never takes a meaning the table gives another)."""
from __future__ import annotations

import re

import pytest
import yaml

from coursekit import ROOT

#: Sections that end a page or are about the book, not a step of a lesson.
NOT_A_LESSON = {"Summary", "Check yourself", "Exercise", "References",
                "How to use this book"}

#: (pattern, what the notation table says instead), searched in the prose
#: and math of every page (code cells left out: they use the exercises'
#: names, such as numerical_gradient's h).
FORBIDDEN = [
    (r"\\Delta\^\{?[oh]\b", "the deltas as matrices are E^o and E^h; "
     "Delta is the multiclass SVM's margin"),
    (r"\\theta\s*[-+]\s*h\b|\bh\s*=\s*10\^|\{2\s*h\}|\bh\s*\\to\s*0",
     "the finite-difference step is \\varepsilon; h is a hidden value"),
    (r"\\varepsilon\s*=\s*2\^\{?-52", "machine epsilon is "
     "\\epsilon_{\\text{mach}}; \\varepsilon is the finite-difference step"),
    (r"\by\s*(\\[,;!]\s*)?f\((\\mathbf\{x\}|x)", "the margin is m = t s"),
    (r"\bt\s*=\s*y\s*(\\[,;]\s*)?f\b", "the margin is m = t s"),
    (r"\bs\(z|\bs\s*=\s*\\sigma", "s is a score; the sigmoid is \\sigma "
     "and a two-class probability q = \\sigma(s)"),
    (r"\bz_i\s*=\s*\\mathbf\{w\}|\bz\s*=\s*X\s*\\mathbf\{w\}",
     "a two-class model's score is s = w . x"),
    (r"C\s*=\s*X\s*W_2|\\max\(A,\s*C\)", "a maxout layer's pieces are "
     "Z_1 and Z_2; C is the number of classes"),
    (r"\$L\$[- ]layer|\bL\$? layers|\bL\s+layers", "the number of layers "
     "is K; L is the loss"),
    (r"\\mathbf\{g\}\s*=\s*\\nabla", "g is an activation function"),
    (r"\bq_t\b", "a mixture's weight is \\lambda; t is a +-1 label"),
    (r"\\mu_\{?i", "a hinge term's argument is \\gamma_{ij}; \\mu is a "
     "Gaussian's mean"),
    (r"multiplier \$\\mu", "a Lagrange multiplier is \\nu"),
    (r"(?<![A-Za-z\\])y_\{i[c0]|\\hat y_\{", "the entries of the targets "
     "Y and outputs \\hat Y are Y_{ic}, \\hat Y_{ic}; y is a label"),
    (r"\|a - b\|", "the relative error compares a and \\tilde a; b is a "
     "log's base"),
    (r"lead \$?[dg]\b", "the lead of the correct score is the margin m; "
     "g is an activation function, d a per-sample loss"),
]


def pages() -> list[str]:
    """The introduction and the chapters, as _toc.yml lists them."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = next(part["chapters"] for part in toc["parts"]
                    if part["caption"] == "Chapters")
    return [toc["root"], *(entry["file"] for entry in chapters)]


def prose(page: str) -> str:
    """The page's Markdown with its code cells and front matter blanked
    (their lines kept, so that line numbers are the file's)."""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")

    def blank(match: re.Match) -> str:
        return "\n" * match.group(0).count("\n")

    text = re.sub(r"\A---\n.*?\n---\n", blank, text, flags=re.S)
    return re.sub(r"^```\{code-cell\}.*?^```$", blank, text,
                  flags=re.S | re.M)


def sections(text: str) -> dict[str, str]:
    """title -> text of every level-2 section."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {title.strip(): body
            for title, body in zip(parts[1::2], parts[2::2])}


def admonitions(text: str, cls: str) -> list[str]:
    """The bodies of the admonitions whose :class: includes ``cls``."""
    found = []
    for match in re.finditer(r"^(:{3,})\{admonition\}.*\n:class:([^\n]*)\n",
                             text, flags=re.M):
        if cls in match.group(2).split():
            fence = match.group(1)
            end = re.search(rf"^{fence}$", text[match.end():], flags=re.M)
            assert end, f"unclosed {cls} admonition"
            found.append(text[match.end():match.end() + end.start()])
    return found


@pytest.mark.parametrize("page", pages())
def test_page_opens_with_learning_objectives(page):
    text = prose(page)
    boxes = admonitions(text, "objectives")
    assert len(boxes) == 1, f"{page}: one 'objectives' admonition"
    items = re.findall(r"^\s*[-*] ", boxes[0], flags=re.M)
    assert 3 <= len(items) <= 5, f"{page}: {len(items)} objectives"
    first_section = text.find("\n## ")
    assert text.find(":class: objectives") < first_section, \
        f"{page}: the objectives come before the first section"


@pytest.mark.parametrize("page", pages())
def test_every_section_ends_with_a_quick_check(page):
    missing = []
    for title, body in sections(prose(page)).items():
        if title in NOT_A_LESSON:
            continue
        checks = admonitions(body, "quick-check")
        answered = [c for c in checks
                    if re.search(r"\{admonition\} Answer", c)
                    and ":class: dropdown" in c]
        if not answered:
            missing.append(title)
    assert not missing, f"{page}: sections without a quick check: {missing}"


@pytest.mark.parametrize("page", pages())
def test_page_ends_with_summary_and_check_yourself(page):
    found = sections(prose(page))
    assert "Summary" in found, f"{page} has no summary"
    check = found.get("Check yourself", "")
    assert re.search(r"^\d+\. ", check, flags=re.M), \
        f"{page}: no numbered questions in Check yourself"
    assert admonitions(check, "dropdown"), f"{page}: answers in a dropdown"


@pytest.mark.parametrize("page", pages())
def test_notation_is_the_tables(page):
    text = prose(page)
    problems = []
    for pattern, instead in FORBIDDEN:
        for match in re.finditer(pattern, text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"line {line}: {match.group(0)!r}"
                            f" ({instead})")
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_the_forbidden_patterns_catch_the_old_notation():
    """Each pattern finds what it was written against."""
    old = [r"$\Delta^o$", r"$\theta + h$", r"$\varepsilon = 2^{-52}$",
           r"$y\, f(\mathbf{x})$", r"$t = y f$", r"$s(z_i)$",
           r"$z_i = \mathbf{w} \cdot \mathbf{x}_i$", r"C = X W_2",
           "$L$ layers", r"$\mathbf{g} = \nabla L$", "$q_t$",
           r"$\mu_{ij}$", r"multiplier $\mu$", r"$y_{ic}$",
           r"$|a - b| / (|a| + |b|)$", "the lead $g$"]
    for (pattern, _), text in zip(FORBIDDEN, old):
        assert re.search(pattern, text), (pattern, text)
    table = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    table = table[table.index("(notation)="):table.index("### Chapters")]
    for pattern, _ in FORBIDDEN:
        assert not re.search(pattern, table), pattern
