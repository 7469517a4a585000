"""HTML pages from the Jinja2 templates in ``templates/``.

Autoescape is on for every template: a value becomes markup only when
the code marks it so (``markupsafe.Markup``: the stylesheet, rendered
Markdown, MathJax). Both pages extend ``base.html.j2``; the stylesheet
``templates/style.css`` is inlined, so a page is one file that works
offline wherever it is copied (``nbgrader release_feedback`` copies
only the ``.html`` files).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"


def points(value: float) -> str:
    """3, 2.5: points without a useless ".0"."""
    return f"{value:g}"


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment of the templates, autoescape on."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["points"] = points
    return env


@lru_cache(maxsize=1)
def stylesheet():
    """templates/style.css, as markup for the page's <style>."""
    from markupsafe import Markup

    return Markup((TEMPLATES / "style.css").read_text(encoding="utf-8"))


def csp(script_hash: str = "") -> str:
    """The Content Security Policy of a page: no remote resource, no
    form, no script but the one whose hash is given; only the inline
    style and images carried in the page itself."""
    scripts = f"script-src {script_hash}; " if script_hash else ""
    return (f"default-src 'none'; {scripts}style-src 'unsafe-inline'; "
            "img-src data:; form-action 'none'; base-uri 'none'")


def render(template: str, **context) -> str:
    """The page ``template`` with ``context`` and the stylesheet."""
    return environment().get_template(template).render(
        stylesheet=stylesheet(), **context)
