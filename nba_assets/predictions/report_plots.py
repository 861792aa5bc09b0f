"""The evaluation report as a PNG (matplotlib, headless Agg) and as Markdown for the Dagster UI."""

from __future__ import annotations

import base64
import io

from nba_assets.predictions.evaluation import format_report

SYSTEM_COLOURS = {"moving_average_baseline_v1": "#7f7f7f", "zone_matchup_v1": "#bcbd22", "similarity_balanced_v1": "#17becf",
                  "xgboost_v1": "#1f77b4", "ensemble_v1": "#d62728"}


def _reliability_panel(ax, season: str, systems: dict) -> None:
    kind = "real" if any(r["reliability_real_lines"] for r in systems.values()) else "estimated"
    ax.plot([0, 1], [0, 1], color="black", linewidth=0.8, linestyle=":")
    for system_id, r in systems.items():
        rows = r[f"reliability_{kind}_lines"]
        if not rows:
            continue
        x = [b["mean_probability"] for b in rows]
        y = [b["observed_over"] for b in rows]
        err = [[b["observed_over"] - b["observed_low"] for b in rows], [b["observed_high"] - b["observed_over"] for b in rows]]
        ax.errorbar(x, y, yerr=err, marker="o", markersize=3, linewidth=1, capsize=2, label=system_id,
                    color=SYSTEM_COLOURS.get(system_id))
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(over)", ylabel="observed share of overs",
           title=f"Reliability, {season}, {kind} lines")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, loc="upper left")


def _bets_panel(ax, season: str, systems: dict) -> None:
    labels = ["ALL", "OVER", "UNDER"]
    width = 0.8 / max(len(systems), 1)
    for k, (system_id, r) in enumerate(systems.items()):
        xs, ys, lows, highs = [], [], [], []
        for i, label in enumerate(labels):
            b = r["bets"][label]
            if b["hit_rate"] is None:
                continue
            xs.append(i + k * width)
            ys.append(b["hit_rate"])
            lows.append(b["hit_rate"] - b["hit_rate_low"])
            highs.append(b["hit_rate_high"] - b["hit_rate"])
        if xs:
            ax.bar(xs, ys, width=width, yerr=[lows, highs], capsize=2, label=system_id, color=SYSTEM_COLOURS.get(system_id))
    ax.axhline(110 / 210, color="black", linewidth=0.8, linestyle=":")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))], labels)
    ax.set(ylim=(0.3, 0.8), ylabel="hit rate (95% Wilson)", title=f"Bets on real lines, {season} (dotted: -110 break-even)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)
    else:
        ax.text(0.5, 0.5, "no real lines", ha="center", transform=ax.transAxes)


def _roi_panel(ax, season: str, systems: dict) -> None:
    any_bucket = False
    for system_id, r in systems.items():
        rows = [b for b in r["ev_buckets"] if b["roi"] is not None]
        if not rows:
            continue
        any_bucket = True
        x = [b["bucket"] for b in rows]
        y = [b["roi"] for b in rows]
        err = [[b["roi"] - (b["roi_low"] if b["roi_low"] is not None else b["roi"]) for b in rows],
               [(b["roi_high"] if b["roi_high"] is not None else b["roi"]) - b["roi"] for b in rows]]
        ax.errorbar(x, y, yerr=err, marker="o", markersize=3, capsize=2, linewidth=1, label=system_id,
                    color=SYSTEM_COLOURS.get(system_id))
    ax.axhline(0, color="black", linewidth=0.8, linestyle=":")
    ax.set(xlabel="expected value of the bet (units)", ylabel="ROI per bet (95% interval)", title=f"ROI by edge, {season}")
    if any_bucket:
        ax.legend(fontsize=6)
    else:
        ax.text(0.5, 0.5, "no bets", ha="center", transform=ax.transAxes)


def _monthly_panel(ax, months: dict) -> None:
    labels = list(months)
    for system_id, colour in SYSTEM_COLOURS.items():
        points = [(i, row[system_id]) for i, row in enumerate(months.values()) if system_id in row]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=2, linewidth=1, label=system_id,
                    color=colour)
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, fontsize=6)
    ax.set(ylabel="MAE (points)", title="Walk-forward MAE by month")
    ax.legend(fontsize=6)


def render_png(report: dict) -> bytes:
    """Four panels for the latest season (reliability, hit rates, ROI by edge) and the monthly MAE over all."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 8), dpi=80)
    if report["seasons"]:
        season, systems = list(report["seasons"].items())[-1]
        _reliability_panel(axes[0][0], season, systems)
        _bets_panel(axes[0][1], season, systems)
        _roi_panel(axes[1][0], season, systems)
    if report["months"]:
        _monthly_panel(axes[1][1], report["months"])
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def report_markdown(report: dict, png: bytes) -> str:
    """The printed report in a code block under the embedded PNG (the UI's Markdown renders base64 images)."""
    image = base64.b64encode(png).decode("ascii")
    return f"![evaluation](data:image/png;base64,{image})\n\n```\n{format_report(report)}\n```\n"
