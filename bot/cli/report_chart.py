"""The ``keel report --chart`` picture: daily questions by outcome, and the daily 👍 rate.

matplotlib is an optional extra (``pip install 'keel[report]'``); it is imported only when a chart is
asked for, and its absence is reported in plain words before any work is done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

INSTALL_HINT = "The chart needs matplotlib, which is not installed. Install it with: pip install 'keel[report]'"


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed."""


def ensure_chart_support() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ChartUnavailable(INSTALL_HINT) from exc


def write_chart(daily: list[dict[str, Any]], path: Path) -> Path:
    """Draw ``daily`` (rows from ``bot.store.reports.daily``) to a PNG at ``path``."""
    ensure_chart_support()
    import matplotlib

    matplotlib.use("Agg")  # no display; never opens a window
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    days = [row["day"][5:] for row in daily]  # MM-DD keeps the axis readable
    positions = range(len(days))
    fig, (volume, satisfaction) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=(3, 2))
    bottom = [0] * len(days)
    for key, label, color in (
        ("answered", "answered", "#2e7d32"),
        ("handed_over", "handed over", "#f9a825"),
        ("refused", "refused", "#c62828"),
    ):
        values = [row[key] for row in daily]
        volume.bar(positions, values, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    volume.yaxis.set_major_locator(MaxNLocator(integer=True))  # no "2.5 questions"
    volume.set_ylabel("questions")
    volume.set_title("Keel: daily questions and satisfaction")
    volume.legend(loc="upper left", frameon=False)

    rates = [row["up_rate"] * 100 if row["up_rate"] is not None else float("nan") for row in daily]
    satisfaction.plot(positions, rates, marker="o", color="#1565c0")
    satisfaction.set_ylim(-5, 105)  # a 0% day stays visible
    satisfaction.set_ylabel("thumbs-up rate %")  # words: matplotlib's default font has no emoji
    satisfaction.set_xticks(list(positions), days, rotation=45 if len(days) > 10 else 0)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
