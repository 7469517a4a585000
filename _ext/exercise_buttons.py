"""Sphinx extension: every chapter page gets an "Exercise" button group.

The group downloads the chapter's *student* notebook (exercises/, never
solutions/) and opens it on Binder, a JupyterHub (through nbgitpuller) or
Colab. A chapter page book/NAME has an exercise when
exercises/NAME/NAME.ipynb exists. Configuration (in _config.yml, under
sphinx.config):

    exercise_repository_url  https://github.com/ORG/REPO, for local builds
                             and other hosts
    exercise_branch          branch the launch links open (default main)

The build of the published book passes the repository it builds instead
(.github/workflows/book.yml): the environment variables
EXERCISE_REPOSITORY (ORG/REPO) and EXERCISE_BRANCH override the two, so
that a fork's book opens the fork's exercises without an edit.
    exercise_binderhub_url   e.g. https://mybinder.org ("" hides it)
    exercise_jupyterhub_url  your hub's address ("" hides it)
    exercise_colab_url       e.g. https://colab.research.google.com
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlencode

EXERCISES_OUT = "exercises"


def exercise_for(app, pagename: str) -> str | None:
    """The assignment of a chapter page, or None."""
    if not pagename.startswith("book/"):
        return None
    name = pagename.split("/", 1)[1]
    root = Path(app.confdir)
    if (root / "exercises" / name / f"{name}.ipynb").is_file():
        return name
    return None


def repository(app) -> tuple[str, str]:
    """(https URL of the repository, ORG/REPO)."""
    url = app.config.exercise_repository_url.rstrip("/")
    slug = os.environ.get("EXERCISE_REPOSITORY") or "/".join(
        url.split("/")[-2:])
    return f"https://github.com/{slug}", slug


def branch(app) -> str:
    """The branch the launch links open."""
    return os.environ.get("EXERCISE_BRANCH") or app.config.exercise_branch


def launch_links(app, name: str) -> list[dict]:
    """Header buttons that open exercises/NAME/NAME.ipynb remotely."""
    cfg = app.config
    url, slug = repository(app)
    ref = branch(app)
    path = f"exercises/{name}/{name}.ipynb"
    repo_dir = slug.split("/")[-1]
    links = []
    if cfg.exercise_binderhub_url:
        links.append(("Binder", "fas fa-rocket",
                      f"{cfg.exercise_binderhub_url.rstrip('/')}/v2/gh/"
                      f"{slug}/{ref}?urlpath={quote('lab/tree/' + path)}"))
    if cfg.exercise_jupyterhub_url:
        query = urlencode({"repo": url, "branch": ref,
                           "urlpath": f"lab/tree/{repo_dir}/{path}"})
        links.append(("JupyterHub", "fas fa-server",
                      f"{cfg.exercise_jupyterhub_url.rstrip('/')}"
                      f"/hub/user-redirect/git-pull?{query}"))
    if cfg.exercise_colab_url:
        links.append(("Colab", "fas fa-infinity",
                      f"{cfg.exercise_colab_url.rstrip('/')}/github/"
                      f"{slug}/blob/{ref}/{path}"))
    return [{"type": "link", "url": target, "text": label, "icon": icon,
             "tooltip": f"Open the exercise notebook on {label}",
             "label": f"exercise-{label.lower()}-button"}
            for label, icon, target in links]


def add_exercise_buttons(app, pagename, templatename, context, doctree):
    name = exercise_for(app, pagename)
    if name is None or "header_buttons" not in context:
        return
    download = {
        "type": "link",
        "url": context["pathto"](f"{EXERCISES_OUT}/{name}.ipynb", 1),
        "text": f"{name}.ipynb",
        "icon": "fas fa-download",
        "tooltip": "Download the exercise notebook",
        "label": "exercise-download-button",
    }
    context["header_buttons"].append({
        "type": "group",
        "tooltip": "The exercise of this chapter",
        "icon": "fas fa-pencil-alt",
        "buttons": [download] + launch_links(app, name),
        "label": "exercise-buttons",
    })


def copy_exercises(app, exception):
    """Put every student notebook at _build/html/exercises/NAME.ipynb."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / EXERCISES_OUT
    out.mkdir(exist_ok=True)
    for nb in sorted(Path(app.confdir, "exercises").glob("*/*.ipynb")):
        shutil.copyfile(nb, out / nb.name)


def setup(app):
    app.add_config_value("exercise_repository_url", "", "html")
    app.add_config_value("exercise_branch", "main", "html")
    app.add_config_value("exercise_binderhub_url", "", "html")
    app.add_config_value("exercise_jupyterhub_url", "", "html")
    app.add_config_value("exercise_colab_url", "", "html")
    # after sphinx-book-theme has built its own header buttons (501)
    app.connect("html-page-context", add_exercise_buttons, priority=600)
    app.connect("build-finished", copy_exercises)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
