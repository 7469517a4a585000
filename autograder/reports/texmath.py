"""Markdown with its math kept intact for MathJax, offline.

Markdown renderers mangle TeX: ``_`` turns into emphasis, ``\\\\``
into ``\\``, ``\\|`` in a table cell into ``|``. So the math spans of a
Markdown cell (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and
``\\begin{env}...\\end{env}``, as Jupyter finds them; none inside code)
are cut out before rendering, each replaced by a placeholder that
Markdown leaves alone, and put back afterwards as escaped TeX in a span
that MathJax typesets (``tex2jax_process``; the page's ``<main>`` is
``tex2jax_ignore``, so the student's outputs are never typeset).

MathJax 3 (``tex-svg-full.js``: every TeX extension, SVG glyphs, no
font files) comes from the PyPI package django-static-mathjax, as in
the book (``_ext/offline_book.py``). It is inlined into the page, and
the Content Security Policy allows that one script by its SHA-256:
``nbgrader release_feedback`` copies only the ``.html`` files (renamed
to a hash), so a script beside the page would not reach the student.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from functools import lru_cache
from pathlib import Path

from markdown_it.common.utils import escapeHtml

#: The MathJax component inlined into pages with math.
MATHJAX_FILE = "tex-svg-full.js"

# Code (fenced, or a backtick span) is skipped, a backslash escape is
# kept as it is, everything else is one kind of math span. Inline $...$
# as Pandoc reads it: no space inside either dollar, no digit after the
# closing one (so "$5 and $6" is not math); no span crosses a blank line.
_NO_BLANK = r"(?:(?!\n[ \t]*\n)[^$])"
_SPANS = re.compile(rf"""
    (?P<fence>^[ ]{{0,3}}(?P<f>`{{3,}}|~{{3,}})[^\n]*\n
        .*?(?:^[ ]{{0,3}}(?P=f)[ \t]*$|\Z))
  | (?P<code>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))
  | (?P<escaped>\\[\\$])
  | \$\$(?P<display>{_NO_BLANK}+?)\$\$
  | (?P<env>\\begin\{{(?P<name>[A-Za-z]+\*?)\}}.*?\\end\{{(?P=name)\}})
  | \\\[(?P<bracket>.+?)\\\]
  | \\\((?P<paren>.+?)\\\)
  | \$(?P<inline>[^$\s](?:{_NO_BLANK}*?[^$\s\\])?)\$(?!\d)
""", re.S | re.M | re.X)


class MathMarkdown:
    """CommonMark (plus tables) without raw HTML and images (an image
    would be a remote resource), math passed through for MathJax.

    ``render`` returns the HTML; ``math_count`` counts the spans found so
    far, so a page knows whether it needs MathJax.
    """

    def __init__(self):
        from markdown_it import MarkdownIt

        self.md = MarkdownIt("commonmark", {"html": False}).enable(
            "table").disable("image")
        self.md.add_render_rule("math", _render_math)
        self.nonce = "mjx" + secrets.token_hex(4)
        self.slot = re.compile(rf"{self.nonce}x(\d+)x")
        self.math_count = 0

    def render(self, source: str) -> str:
        """HTML of one Markdown cell (safe: markdown-it escapes text)."""
        spans: list[tuple[str, str, str]] = []  # (kind, tex, original)

        def cut(m: re.Match) -> str:
            kind = next((k for k in ("display", "env", "bracket", "paren",
                                     "inline") if m.group(k) is not None),
                        None)
            if kind is None:
                return m.group(0)  # code or an escape: left as it is
            tex = m.group(0) if kind == "env" else m.group(kind)
            spans.append((kind, tex, m.group(0)))
            return f"{self.nonce}x{len(spans) - 1}x"

        tokens = self.md.parse(_SPANS.sub(cut, source))
        for token in tokens:
            if token.type == "inline" and token.children:
                token.children = self._with_math(token.children, spans)
        out = self.md.renderer.render(tokens, self.md.options, {})
        self.math_count += len(spans)
        # a placeholder left outside text (an indented code block, a
        # link target) becomes its source again
        return self.slot.sub(
            lambda m: escapeHtml(spans[int(m.group(1))][2]), out)

    def _with_math(self, children: list, spans: list) -> list:
        from markdown_it.token import Token

        out = []
        for child in children:
            if child.type != "text" or self.nonce not in child.content:
                out.append(child)
                continue
            for i, piece in enumerate(self.slot.split(child.content)):
                if i % 2:
                    kind, tex, _ = spans[int(piece)]
                    out.append(Token("math", "", 0, content=tex,
                                     meta={"kind": kind}))
                elif piece:
                    text = Token("text", "", 0, content=piece)
                    out.append(text)
        return out


def _render_math(self, tokens, idx, options, env) -> str:
    """A math token as TeX for MathJax, in its delimiters, escaped."""
    token = tokens[idx]
    kind, tex = token.meta["kind"], token.content
    if kind == "env":
        display, body = True, tex
    elif kind in ("display", "bracket"):
        display, body = True, f"\\[{tex}\\]"
    else:
        display, body = False, f"\\({tex}\\)"
    css = "display" if display else "inline"
    return (f'<span class="math {css} tex2jax_process">'
            f"{escapeHtml(body)}</span>")


def mathjax_dir() -> Path | None:
    """The es5 folder of the installed MathJax bundle, or None."""
    try:
        import mathjax  # the django-static-mathjax package
    except ImportError:
        return None
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


@lru_cache(maxsize=1)
def mathjax_script() -> str | None:
    """The text of MathJax's combined component, or None when the
    package is missing (pages then show the TeX source)."""
    folder = mathjax_dir()
    path = folder / MATHJAX_FILE if folder else None
    if path is None or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def csp_hash(script: str) -> str:
    """The Content Security Policy source that allows this inline
    script and no other."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
