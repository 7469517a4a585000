"""The exercise buttons' links (_ext/exercise_buttons.py): the config's
repository for local builds, the one the Pages workflow passes for the
published book."""
from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest
import yaml

from coursekit import ROOT

spec = importlib.util.spec_from_file_location(
    "exercise_buttons", ROOT / "_ext" / "exercise_buttons.py")
buttons = importlib.util.module_from_spec(spec)
spec.loader.exec_module(buttons)


def app(**config):
    defaults = {"exercise_repository_url": "https://github.com/dl-course/"
                "losses-book", "exercise_branch": "main",
                "exercise_binderhub_url": "https://mybinder.org",
                "exercise_jupyterhub_url": "https://hub.example.edu",
                "exercise_colab_url": "https://colab.research.google.com"}
    return SimpleNamespace(config=SimpleNamespace(**{**defaults, **config}))


def urls(monkeypatch, env: dict, **config) -> dict[str, str]:
    for name in ("EXERCISE_REPOSITORY", "EXERCISE_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {link["text"]: link["url"]
            for link in buttons.launch_links(app(**config), "softmax")}


def test_a_local_build_opens_the_configured_repository(monkeypatch):
    got = urls(monkeypatch, {})
    assert got["Binder"] == ("https://mybinder.org/v2/gh/dl-course/"
                             "losses-book/main?urlpath=lab/tree/exercises/"
                             "softmax/softmax.ipynb")
    assert got["Colab"] == ("https://colab.research.google.com/github/"
                            "dl-course/losses-book/blob/main/exercises/"
                            "softmax/softmax.ipynb")
    assert "repo=https%3A%2F%2Fgithub.com%2Fdl-course%2Flosses-book" \
        in got["JupyterHub"]


def test_the_published_book_opens_the_repository_it_was_built_from(
        monkeypatch):
    got = urls(monkeypatch, {"EXERCISE_REPOSITORY": "uni-x/dl-2027",
                             "EXERCISE_BRANCH": "spring"})
    for label, url in got.items():
        assert "dl-course" not in url, label
    assert "/v2/gh/uni-x/dl-2027/spring?" in got["Binder"]
    assert "/github/uni-x/dl-2027/blob/spring/exercises/" in got["Colab"]
    assert "github.com%2Funi-x%2Fdl-2027&branch=spring" in got["JupyterHub"]


def test_an_empty_hub_address_hides_its_button(monkeypatch):
    assert set(urls(monkeypatch, {}, exercise_jupyterhub_url="",
                    exercise_binderhub_url="")) == {"Colab"}


def test_the_pages_workflow_passes_its_repository():
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "book.yml").read_text())
    step = next(s for s in workflow["jobs"]["build"]["steps"]
                if s.get("run") == "make book")
    assert step["env"] == {"EXERCISE_REPOSITORY": "${{ github.repository }}",
                           "EXERCISE_BRANCH": "${{ github.ref_name }}"}


@pytest.mark.parametrize("key", ["exercise_repository_url",
                                 "exercise_branch"])
def test_the_config_keeps_a_value_for_local_builds(key):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["config"][key]
