"""The grade command's records, as both reports read them."""
from __future__ import annotations

from pathlib import Path

from ..grading import state as state_file
from ..grading.state import Outcome


def load_state(path: Path) -> dict[str, Outcome]:
    """student -> Outcome of the grade command's state file at ``path``;
    {} if there is none. A broken file stops the command with a message
    (state_file.load)."""
    try:
        return state_file.load(path)
    except state_file.StateError as exc:
        raise SystemExit(str(exc)) from None
