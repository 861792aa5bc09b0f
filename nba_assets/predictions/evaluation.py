"""The walk-forward evaluation report: per season and system, from prediction_accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import season_label
from nba_assets.predictions.tables import ACTUAL_PROP, SYSTEM_IDS

EDGES = (1, 2, 3)


def _rate(wins: pd.Series) -> float | None:
    return round(float(wins.mean()), 4) if len(wins) else None


def system_report(rows: pd.DataFrame) -> dict:
    """n, MAE and bias over predictions of players who played; hit rates over the system's graded bets and,
    per edge, over every prediction at least that far from an actual pre-game line (pushes excluded);
    confidence calibration by decile of the graded bets."""
    scored = rows[rows["absolute_error"].notna()]
    bets = rows[rows["is_graded_bet"] & rows["result"].isin(["correct", "incorrect"])]
    on_lines = scored[(scored["line_source"] == ACTUAL_PROP) & (scored["bet_outcome"] != "PUSH")]
    report = {
        "n": int(len(scored)),
        "mae": round(float(scored["absolute_error"].mean()), 4) if len(scored) else None,
        "bias": round(float(scored["signed_error"].mean()), 4) if len(scored) else None,
        "bets": int(len(bets)),
        "hit_rate": _rate(bets["result"] == "correct"),
    }
    for edge in EDGES:
        chosen = on_lines[on_lines["predicted_margin"].abs() >= edge]
        right = np.sign(chosen["predicted_margin"]) == np.sign(chosen["actual_margin"])
        report[f"hit_rate_edge_{edge}"] = _rate(right)
        report[f"n_edge_{edge}"] = int(len(chosen))
    calibration = []
    for decile, group in bets.groupby("confidence_decile"):
        calibration.append({"decile": int(decile), "bets": int(len(group)),
                            "mean_confidence": round(float(group["confidence_score"].mean()), 2),
                            "hit_rate": _rate(group["result"] == "correct")})
    report["calibration"] = calibration
    return report


def evaluation_report(accuracy: pd.DataFrame) -> dict:
    """{"seasons": {"2022-23": {"xgboost_v1": {...}, ...}}}"""
    seasons = {}
    for season_year, season in accuracy.groupby("season_year", sort=True):
        seasons[season_label(int(season_year))] = {
            system_id: system_report(season[season["system_id"] == system_id])
            for system_id in SYSTEM_IDS if (season["system_id"] == system_id).any()
        }
    return {"seasons": seasons}


def format_report(report: dict) -> str:
    header = f"{'season':<8} {'system':<28} {'n':>7} {'MAE':>6} {'bias':>6} {'bets':>6} {'hit':>6} {'e≥1':>6} {'e≥2':>6} {'e≥3':>6}"
    lines = [header]

    def pct(value):
        return f"{100 * value:5.1f}%" if value is not None else "     -"

    for season, systems in report["seasons"].items():
        for system_id, r in systems.items():
            mae = f"{r['mae']:6.3f}" if r["mae"] is not None else "     -"
            bias = f"{r['bias']:+6.2f}" if r["bias"] is not None else "     -"
            lines.append(f"{season:<8} {system_id:<28} {r['n']:>7} {mae} {bias} {r['bets']:>6} {pct(r['hit_rate'])} "
                         f"{pct(r['hit_rate_edge_1'])} {pct(r['hit_rate_edge_2'])} {pct(r['hit_rate_edge_3'])}")
    return "\n".join(lines)
