"""The one parser of test cells and hidden-test blocks.

A hidden-test block is what nbgrader's ClearHiddenTests removes from the
student's copy: the lines from one holding its begin delimiter to one
holding its end delimiter, both included (substring matches, as
nbgrader's; delimiters from the course's nbgrader_config.py when
given). The judge, the feedback pages and the leak tests all read cells
through here, so that they agree on what is hidden.

A block left open runs to the end of the cell. nbgrader refuses such a
cell when it releases the assignment; anywhere else hiding too much is
the safe mistake.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

#: What a hidden block becomes on a page a student reads.
HIDDEN_NOTE = "# (hidden tests: run by the grader)"


@dataclass(frozen=True)
class Markers:
    """ClearHiddenTests' begin and end delimiters."""

    begin: str = "BEGIN HIDDEN TESTS"
    end: str = "END HIDDEN TESTS"

    @classmethod
    def from_config(cls, config) -> "Markers":
        """The delimiters a traitlets Config (nbgrader_config.py) sets in
        its ClearHiddenTests section, nbgrader's defaults otherwise."""
        section = config.get("ClearHiddenTests", {})
        return cls(section.get("begin_test_delimeter", cls.begin),
                   section.get("end_test_delimeter", cls.end))


DEFAULT = Markers()


#: What each line of a test cell is (TestSource.kinds).
VISIBLE, BEGIN, BODY, END = "visible", "begin", "body", "end"


@dataclass(frozen=True)
class TestSource:
    """One test cell's source, split into what the student sees and what
    stays with the grader: ``lines`` is the source split at newlines,
    ``kinds`` says of each line VISIBLE, BEGIN, BODY or END."""

    lines: tuple[str, ...]
    kinds: tuple[str, ...]

    def _rows(self):
        return zip(self.lines, self.kinds)

    @property
    def has_hidden(self) -> bool:
        return BEGIN in self.kinds

    @property
    def visible(self) -> str:
        """The source with every hidden line blank, so line numbers are
        kept: what the student's process runs of the cell."""
        return "\n".join(line if kind == VISIBLE else ""
                         for line, kind in self._rows())

    @property
    def hidden(self) -> str:
        """The code inside the hidden blocks, delimiters left out, one
        block after the other."""
        return "".join(line + "\n" for line, kind in self._rows()
                       if kind == BODY)

    @property
    def hidden_lines(self) -> list[str]:
        """Stripped, non-blank lines of the hidden blocks, delimiters
        included: what no student-facing page may quote."""
        return [line.strip() for line, kind in self._rows()
                if kind != VISIBLE and line.strip()]

    @property
    def shown(self) -> str:
        """The source as a student-facing page shows it: each hidden
        block replaced by HIDDEN_NOTE at the block's indentation."""
        out = []
        for line, kind in self._rows():
            if kind == VISIBLE:
                out.append(line)
            elif kind == BEGIN:
                indent = line[:len(line) - len(line.lstrip())]
                out.append(indent + HIDDEN_NOTE)
        return "\n".join(out)


def parse(source: str, markers: Markers = DEFAULT) -> TestSource:
    """Split a test cell's source into its visible and hidden lines."""
    lines = source.split("\n")
    kinds, inside = [], False
    for line in lines:
        if not inside and markers.begin in line:
            inside = True
            kinds.append(BEGIN)
        elif inside and markers.end in line:
            inside = False
            kinds.append(END)
        else:
            kinds.append(BODY if inside else VISIBLE)
    return TestSource(tuple(lines), tuple(kinds))


def is_test_cell(cell) -> bool:
    """An autograded test cell: graded, and not a solution cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) \
        and not meta.get("solution")


def plots(nb) -> bool:
    """Whether a code cell of ``nb`` names matplotlib."""
    return any(cell.cell_type == "code" and "matplotlib" in cell.source
               for cell in nb.cells)


def test_cells(nb) -> list[tuple[str, str]]:
    """(grade_id, full source) of every test cell of a notebook."""
    return [(cell.metadata["nbgrader"]["grade_id"], cell.source)
            for cell in nb.cells if is_test_cell(cell)]


def hidden_lines(path: Path, markers: Markers = DEFAULT) -> set[str]:
    """Every stripped line of every hidden block of the notebook at
    ``path`` (a source notebook), delimiters included."""
    nb = nbformat.read(path, as_version=4)
    found: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            found.update(parse(cell.source, markers).hidden_lines)
    return found
