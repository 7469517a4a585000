"""Benchmark of the book build: cold, unchanged, one chapter edited.

Builds a copy of the book in a temporary folder (your _build/ is left
alone) three times and prints each wall time and which chapter notebooks
were executed (not taken from the execution cache). Not a test: run

    .venv/bin/python bench/book.py [--chapter softmax]

Targets (issue "The published book"): the unchanged rebuild at most 15 %
of the cold build; editing one chapter's code re-executes only it.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ["book", "_ext", "_static", "exercises", "_config.yml", "_toc.yml"]


def build(src: Path) -> tuple[float, list[str]]:
    """(wall seconds, executed pages) of one `jupyter-book build`."""
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build",
           str(src), "--warningiserror", "--nitpick", "--keep-going"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    log = proc.stdout + proc.stderr
    return seconds, sorted(set(re.findall(
        r"book/(\w+)\.md: Executing notebook", log)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapter", default="softmax",
                        help="chapter whose code is edited (default: "
                        "softmax)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "book-copy"
        src.mkdir()
        for name in COPY:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, src / name)
            else:
                shutil.copy(path, src / name)
        cold, cold_run = build(src)
        again, again_run = build(src)
        page = src / "book" / f"{args.chapter}.md"
        text = page.read_text()
        first = text.index("```{code-cell} ipython3\n")
        cut = text.index("\n", first) + 1
        page.write_text(text[:cut] + "# benchmark edit\n" + text[cut:])
        edit, edit_run = build(src)
    print(f"cold build           {cold:7.1f} s  executed: "
          f"{', '.join(cold_run) or 'none'}")
    print(f"unchanged rebuild    {again:7.1f} s  executed: "
          f"{', '.join(again_run) or 'none'}  "
          f"({100 * again / cold:.0f} % of cold)")
    print(f"{args.chapter} edited  {edit:7.1f} s  executed: "
          f"{', '.join(edit_run) or 'none'}")


if __name__ == "__main__":
    main()
