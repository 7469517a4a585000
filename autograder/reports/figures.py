"""The class report's figures: PNGs (base64) with their alt text.

Matplotlib's Agg canvas outside pyplot: no global state, no display.
"""
from __future__ import annotations

import base64
import io
import math
import textwrap
from dataclasses import dataclass

#: Diagnoses that get their own colour in the checks figure (the rest
#: are "other diagnoses").
SPLIT_DIAGNOSES = 5
_COLOURS = ("tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:pink")


@dataclass
class Figure:
    """An embedded image: base64 PNG, alt text, caption."""

    png: str
    alt: str
    caption: str = ""


@dataclass
class CheckBar:
    """One check's bar: how many of ``counted`` submissions fail it,
    split by diagnosis: ``parts`` maps a label (the number of a common
    diagnosis, "other" or "none") to a count."""

    label: str
    failures: int
    parts: dict


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png(fig) -> str:
    """The figure as base64 PNG text."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    fig.clear()
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _bins(max_score: float) -> list[float]:
    """Histogram edges: up to 20 points, one bin centred on each whole
    point (full marks get their own bar); above, 20 equal bins."""
    n = max(1, math.ceil(max_score))
    if n <= 20:
        return [i - 0.5 for i in range(n + 2)]
    return [max_score * i / 20 for i in range(21)]


def score_histogram(done: list[float], missing: list[float],
                    max_score: float, label) -> tuple[str, str]:
    """(PNG, alt text) of the final scores, missing submissions apart;
    ``label`` formats points."""
    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    ax.hist([done, missing], bins=_bins(max_score), stacked=True,
            color=["tab:blue", "tab:gray"], edgecolor="white",
            label=["submitted", "missing"])
    ax.set_xlabel(f"score (of {label(max_score)})")
    if max_score <= 20:
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False)
    ax.set_title("Score distribution")
    total = len(done) + len(missing)
    alt = (f"Histogram of the scores of {total} students out of "
           f"{label(max_score)} points: {len(done)} submitted, "
           f"{len(missing)} missing (score 0).")
    if done:
        alt += (f" Submitted scores range from {label(min(done))} to "
                f"{label(max(done))}.")
    return png(fig), alt


def _legend_text(number: int, message: str) -> str:
    short = textwrap.shorten(message, 110, placeholder=" ...")
    return "\n".join(textwrap.wrap(f"#{number} {short}", 60))


def check_chart(bars: list[CheckBar], counted: int,
                messages: list[str]) -> tuple[str, str]:
    """(PNG, alt text): per check, the share of ``counted`` completed
    submissions failing it, each bar split by diagnosis. ``messages``
    are the common diagnoses, numbered from 1 as in the table; the first
    SPLIT_DIAGNOSES get a colour and a legend entry."""
    shown = messages[:SPLIT_DIAGNOSES]
    keys = [*range(1, len(shown) + 1), "other", "none"]
    names = {"other": "other diagnoses", "none": "no diagnosis recorded"}
    colours = dict(zip(keys, [*_COLOURS, "tab:gray", "silver"]))
    if not messages:  # nothing recorded: one colour, "failing"
        names["none"], colours["none"] = "failing", "tab:red"
    used = [k for k in keys if any(b.parts.get(k) for b in bars)]
    fig = _figure(7.2, 1.4 + 0.32 * max(1, len(bars))
                  + 0.38 * sum(isinstance(k, int) for k in used))
    ax = fig.add_subplot()
    scale = 100.0 / counted if counted else 0.0
    left = [0.0] * len(bars)
    for key in used:
        widths = [scale * b.parts.get(key, 0) for b in bars]
        label = (_legend_text(key, shown[key - 1]) if isinstance(key, int)
                 else names[key])
        ax.barh(range(len(bars)), widths, left=left, color=colours[key],
                edgecolor="white", label=label)
        left = [a + w for a, w in zip(left, widths)]
    ax.set_yticks(range(len(bars)), [b.label for b in bars])
    ax.invert_yaxis()  # first check of the notebook on top
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of {counted} completed submissions failing")
    for y, bar in enumerate(bars):
        ax.text(min(left[y], 88) + 1, y, f"{bar.failures}/{counted}",
                va="center")
    ax.set_title("Failure rate per check, by diagnosis")
    if used:
        fig.legend(loc="outside lower left", frameon=False, fontsize=8)
    parts = []
    for bar in bars:
        rate = scale * bar.failures
        split = ", ".join(
            f"{_times(n)} {f'#{k}' if isinstance(k, int) else names[k]}"
            for k, n in bar.parts.items() if n and messages)
        parts.append(f"{bar.label} {rate:.0f}%"
                     + (f" ({split})" if split else ""))
    alt = ("Stacked bar chart of the failure rate of each check, in "
           f"notebook order, over {counted} completed submissions, split "
           "by diagnosis (numbered as in the table of common diagnoses): "
           + ("; ".join(parts) or "no checks") + ".")
    return png(fig), alt


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"
