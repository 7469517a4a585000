"""What a feedback page may show of a notebook's text: hidden-test blocks
replaced, lines that quote hidden tests, grader frames and file paths
removed, ANSI codes (nbconvert's strip_ansi) and control characters
stripped, floods of output capped.
"""
from __future__ import annotations

import re
import sys

from ..notebook import DEFAULT, Markers, parse

# nbconvert imports jsonschema, which imports rfc3987_syntax when
# installed and builds a grammar for ~1.8 s; nothing here validates
# notebooks.
sys.modules.setdefault("rfc3987_syntax", None)
from nbconvert.filters.ansi import strip_ansi  # noqa: E402

#: What a run of removed traceback or output lines becomes.
OMITTED = "    \u22ee (not shown: hidden tests, grader or library code)"
#: Output caps: a flood of prints must not make a page of megabytes.
MAX_OUTPUT_CHARS = 10_000
MAX_OUTPUT_LINES = 200
#: Longest error message shown (diagnoses are a few lines).
MAX_EVALUE_CHARS = 4_000
#: Hidden lines shorter than this are matched only as whole lines: a
#: short one such as ``)`` would otherwise hide every line containing it.
MIN_QUOTE_CHARS = 8
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# "----> 4 code" or "      3 code": IPython's numbered context lines.
_LINE_NUMBER = re.compile(r"^\s*(?:-*>\s*)?\d+\s?")
# A frame header: IPython's "Cell In[3], line 4" / "File /x.py:7, in f"
# or Python's 'File "/x.py", line 7, in f'.
_FRAME = re.compile(r"^\s*(?:File\b|Cell In\s*\[|Input In\s*\[|<ipython-)")
# The final "SomeError: message" of a plain Python traceback.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*:(?:\s|$)")
_PACKAGE = re.compile(r"\bautograder\b", re.IGNORECASE)
_PACKAGE_REF = re.compile(r"\bautograder(?:[./\\][\w./\\-]*)?",
                          re.IGNORECASE)
# An absolute path (/a/b, ~/a, C:\a) or a site-packages reference.
_PATH = re.compile(r"(?:^|(?<=[\s\"'(=:,\[]))(?:~?/[\w.\-]+/[\w.\-]+"
                   r"|[A-Za-z]:\\[\w.\-\\]+)|site-packages")

# -- hidden tests ------------------------------------------------------------

def split_hidden(source: str, markers: Markers = DEFAULT) -> tuple[
        str, list[str]]:
    """(source with every hidden block replaced by notebook.HIDDEN_NOTE, the
    stripped non-blank lines of the hidden blocks, markers included)."""
    parsed = parse(source, markers)
    return parsed.shown, parsed.hidden_lines


class Redactor:
    """Removes what students must not read from text bound for a page:
    lines quoting a hidden-test line, grader frames, file paths."""

    def __init__(self, hidden_lines: set[str]):
        self.exact = {h for h in hidden_lines if h}
        self.long = sorted(h for h in self.exact
                           if len(h) >= MIN_QUOTE_CHARS)

    def quotes_hidden(self, line: str) -> bool:
        """Whether ``line`` (maybe with a traceback line number) quotes
        a hidden-test line."""
        text = line.strip()
        content = _LINE_NUMBER.sub("", line, count=1).strip()
        if text in self.exact or content in self.exact:
            return True
        return any(h in text for h in self.long)

    def unsafe(self, line: str) -> bool:
        """A line to drop: hidden test, grader package or a file path."""
        return (self.quotes_hidden(line) or bool(_PACKAGE.search(line))
                or bool(_PATH.search(line)))

    def lines(self, text: str) -> str:
        """``text`` with unsafe lines replaced by one OMITTED per run."""
        return "\n".join(_collapse(
            None if self.unsafe(line) else line
            for line in clean(text).split("\n")))

    def message(self, text: str) -> str:
        """An error message or reason: kept whole (it is the teaching
        part), but lines quoting hidden tests go, and grader references
        and paths are blanked."""
        kept = [None if self.quotes_hidden(line) else
                _PATH.sub("(path)", _PACKAGE_REF.sub("(grader)", line))
                for line in clean(text).split("\n")]
        return cap("\n".join(_collapse(kept)), MAX_EVALUE_CHARS)

    def traceback(self, entries: list, shown_header: str) -> list[str]:
        """The lines of an error's traceback a student may read.

        IPython gives one entry per frame; a frame in a file (the grader,
        NumPy) is dropped whole, since its context lines are that file's
        code. Plain Python tracebacks come as one entry, so a frame ends
        at the next frame header or exception line.
        """
        out: list[str | None] = []
        header_lines = set(shown_header.split("\n"))
        for entry in entries:
            text = clean(field_text(entry))
            if text.strip() == shown_header.strip():
                continue  # CheckFailed's whole traceback is its message
            foreign = False
            for line in text.split("\n"):
                if _FRAME.match(line):
                    # a frame in a file shows that file's code; the
                    # student's cells are "Cell In[3]" or
                    # '<ipython-input-3-...>'
                    foreign = self.unsafe(line) or (
                        line.lstrip().startswith("File")
                        and "<ipython-input" not in line)
                elif _EXCEPTION_LINE.match(line) or line.startswith(
                        ("Traceback", "During handling")):
                    foreign = False
                if foreign or self.unsafe(line):
                    out.append(None)
                elif line.strip() and line not in header_lines \
                        and not set(line.strip()) <= {"-"}:
                    out.append(line)
        kept = list(_collapse(out))
        informative = [line for line in kept if line != OMITTED
                       and "Traceback (most recent call last)" not in line]
        return kept if informative else []


def _collapse(lines) -> list[str]:
    """None entries (removed lines) become one OMITTED per run."""
    out: list[str] = []
    for line in lines:
        if line is None:
            if not out or out[-1] != OMITTED:
                out.append(OMITTED)
        else:
            out.append(line)
    return out


# -- notebook text -----------------------------------------------------------

def field_text(value) -> str:
    """A notebook string field, stored as a string or a list of them."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def clean(text: str) -> str:
    """Text without ANSI colour codes and other control characters."""
    return _CONTROL.sub("", strip_ansi(text.replace("\r\n", "\n")))


def cap(text: str, limit: int = MAX_OUTPUT_CHARS,
        max_lines: int = MAX_OUTPUT_LINES) -> str:
    """``text`` shortened to ``limit`` characters and ``max_lines``."""
    lines = text.split("\n")
    note = []
    if len(lines) > max_lines:
        note.append(f"{len(lines) - max_lines} more lines")
        text = "\n".join(lines[:max_lines])
    if len(text) > limit:
        note.append(f"{len(text) - limit} more characters")
        text = text[:limit]
    if note:
        text += f"\n[... output shortened: {', '.join(note)} not shown]"
    return text
