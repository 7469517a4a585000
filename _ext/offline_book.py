"""Sphinx extension: the book needs no network.

MathJax is served from the book itself, not from a CDN, and the scripts of
sphinx-thebe (live code from a CDN, which this book does not use; Jupyter
Book adds them twice, a JavaScript error) are left out.

The MathJax 3 bundle comes from the PyPI package django-static-mathjax
(pinned in requirements.txt; it only ships the files). It is copied to
_build/html/_static/mathjax/, and mathjax_path points there, so the book
typesets its math with no network: exam rooms and poor connections get
the same book.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def mathjax_dir() -> Path:
    """The es5 folder of the installed MathJax bundle."""
    import mathjax  # the django-static-mathjax package

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def set_path(app, config):
    config.mathjax_path = "mathjax/tex-chtml.js"


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "tex-chtml.js").is_file():
        shutil.copytree(mathjax_dir(), target, dirs_exist_ok=True)


def drop_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts from every page."""
    scripts = context.get("script_files")
    if scripts is None:
        return
    context["script_files"] = [
        s for s in scripts
        if "thebe" not in str(s) and "THEBE_JS_URL" not in str(
            getattr(s, "attributes", {}).get("body", ""))]


def setup(app):
    app.connect("config-inited", set_path)
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
