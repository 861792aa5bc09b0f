"""The evaluation a bettor reads, per season and system, from prediction_accuracy.

- Accuracy: MAE and bias over every player who played; MAE against moving_average_baseline_v1 on the same
  player-games; and on the player-games with a real (pre-game prop) line, the system's MAE next to the line's
  own MAE (|actual − line|) on the same rows.
- Bets: the recommended OVER / UNDER on real lines (graded bets), by direction and by expected-value bucket:
  hit rate with its 95 % Wilson interval (pushes are neither won nor lost), and return on investment at the
  prices actually offered: profit over stakes, a push returning its stake, with a 95 % normal interval of the
  mean profit per bet.
- Reliability: the predicted probability of OVER against the observed share of OVER results, in tenths, on real
  lines and, separately, on estimated lines (last-5 averages: no price, never a bet, but they show calibration
  where no book is available).
- Walk-forward by month: MAE per system and month, as the models were retrained month by month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.calendar import season_label
from nba_assets.predictions.probability import EV_MARGIN
from nba_assets.predictions.tables import ACTUAL_PROP, ESTIMATED_AVG, OVER, SYSTEM_IDS, UNDER

BASELINE = "moving_average_baseline_v1"
Z95 = 1.959964
EV_BUCKETS = ((EV_MARGIN, 0.10), (0.10, 0.20), (0.20, np.inf))
RELIABILITY_BINS = np.linspace(0.0, 1.0, 11)


def wilson_interval(wins: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """95 % Wilson score interval of a proportion; (None, None) without trials."""
    if n == 0:
        return None, None
    p = wins / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return round(float(centre - half), 4), round(float(centre + half), 4)


def mean_interval(values: np.ndarray, z: float = Z95) -> tuple[float | None, float | None, float | None]:
    """Mean with a normal 95 % interval (standard error of the mean); no interval below two values."""
    values = np.asarray(values, dtype="float64")
    if len(values) == 0:
        return None, None, None
    mean = float(values.mean())
    if len(values) < 2:
        return round(mean, 4), None, None
    half = z * float(values.std(ddof=1)) / np.sqrt(len(values))
    return round(mean, 4), round(mean - half, 4), round(mean + half, 4)


def bet_summary(bets: pd.DataFrame) -> dict:
    """Graded bets (result correct / incorrect / push, bet_profit in units of stake)."""
    wins = int((bets["result"] == "correct").sum())
    losses = int((bets["result"] == "incorrect").sum())
    pushes = int((bets["result"] == "push").sum())
    low, high = wilson_interval(wins, wins + losses)
    roi, roi_low, roi_high = mean_interval(bets["bet_profit"].dropna().to_numpy())
    return {
        "bets": int(len(bets)), "wins": wins, "losses": losses, "pushes": pushes,
        "hit_rate": round(wins / (wins + losses), 4) if wins + losses else None, "hit_rate_low": low, "hit_rate_high": high,
        "roi": roi, "roi_low": roi_low, "roi_high": roi_high,
        "profit_units": round(float(bets["bet_profit"].sum()), 2),
    }


def reliability(rows: pd.DataFrame) -> list[dict]:
    """Predicted P(OVER) in tenths against the observed share of OVER results (a push is not an OVER)."""
    known = rows[rows["probability_over"].notna() & rows["actual_margin"].notna()]
    if known.empty:
        return []
    band = np.clip(np.digitize(known["probability_over"], RELIABILITY_BINS[1:-1]), 0, len(RELIABILITY_BINS) - 2)
    out = []
    for b, group in known.groupby(band):
        overs = int((group["actual_margin"] > 0).sum())
        low, high = wilson_interval(overs, len(group))
        out.append({"bin": f"{RELIABILITY_BINS[b]:.1f}-{RELIABILITY_BINS[b + 1]:.1f}", "n": int(len(group)),
                    "mean_probability": round(float(group["probability_over"].mean()), 4),
                    "observed_over": round(overs / len(group), 4), "observed_low": low, "observed_high": high})
    return out


def brier_score(rows: pd.DataFrame) -> float | None:
    known = rows[rows["probability_over"].notna() & rows["actual_margin"].notna()]
    if known.empty:
        return None
    return round(float(((known["probability_over"] - (known["actual_margin"] > 0)) ** 2).mean()), 4)


def _mae(errors: pd.Series) -> float | None:
    return round(float(errors.mean()), 4) if len(errors) else None


def system_report(rows: pd.DataFrame, baseline_errors: pd.Series) -> dict:
    """rows: one system's prediction_accuracy rows of a season; baseline_errors: the baseline's absolute errors
    indexed by (game_date, player_lookup)."""
    scored = rows[rows["absolute_error"].notna()]
    keyed = scored.set_index(["game_date", "player_lookup"])["absolute_error"]
    common = keyed.index.intersection(baseline_errors.index)
    system_mae, baseline_mae = _mae(keyed.loc[common]), _mae(baseline_errors.loc[common])
    lined = scored[(scored["line_source"] == ACTUAL_PROP)]
    bets = rows[rows["is_graded_bet"].astype(bool)]
    directions = {"ALL": bets, OVER: bets[bets["recommendation"] == OVER], UNDER: bets[bets["recommendation"] == UNDER]}
    buckets = []
    for low, high in EV_BUCKETS:
        chosen = bets[(bets["expected_value"] >= low) & (bets["expected_value"] < high)]
        label = f"{low:.2f}+" if np.isinf(high) else f"{low:.2f}-{high:.2f}"
        buckets.append({"bucket": label, **bet_summary(chosen)})
    return {
        "n": int(len(scored)),
        "mae": _mae(scored["absolute_error"]),
        "bias": round(float(scored["signed_error"].mean()), 4) if len(scored) else None,
        "n_same_rows_as_baseline": int(len(common)),
        "mae_same_rows": system_mae,
        "baseline_mae_same_rows": baseline_mae,
        "vs_baseline_pct": round(100 * (system_mae / baseline_mae - 1), 2) if system_mae and baseline_mae else None,
        "n_real_line": int(len(lined)),
        "mae_real_line": _mae(lined["absolute_error"]),
        "line_mae_real_line": _mae(lined["actual_margin"].abs()),
        "bets": {name: bet_summary(frame) for name, frame in directions.items()},
        "ev_buckets": buckets,
        "reliability_real_lines": reliability(scored[scored["line_source"] == ACTUAL_PROP]),
        "reliability_estimated_lines": reliability(scored[scored["line_source"] == ESTIMATED_AVG]),
        "brier_real_lines": brier_score(scored[scored["line_source"] == ACTUAL_PROP]),
        "brier_estimated_lines": brier_score(scored[scored["line_source"] == ESTIMATED_AVG]),
    }


def monthly_mae(accuracy: pd.DataFrame) -> dict:
    """{"2022-11": {system_id: mae, ...}, ...} over players who played."""
    scored = accuracy[accuracy["absolute_error"].notna()]
    if scored.empty:
        return {}
    table = scored.groupby([scored["game_date"].dt.strftime("%Y-%m"), "system_id"])["absolute_error"].mean().unstack()
    return {month: {s: round(float(v), 4) for s, v in row.items() if pd.notna(v)} for month, row in table.iterrows()}


def evaluation_report(accuracy: pd.DataFrame) -> dict:
    """{"seasons": {"2022-23": {system_id: {...}}}, "months": {...}, "ev_margin": ...}"""
    seasons = {}
    for season_year, season in accuracy.groupby("season_year", sort=True):
        baseline = season[(season["system_id"] == BASELINE) & season["absolute_error"].notna()]
        baseline_errors = baseline.set_index(["game_date", "player_lookup"])["absolute_error"]
        seasons[season_label(int(season_year))] = {
            system_id: system_report(season[season["system_id"] == system_id], baseline_errors)
            for system_id in SYSTEM_IDS if (season["system_id"] == system_id).any()
        }
    return {"ev_margin": EV_MARGIN, "seasons": seasons, "months": monthly_mae(accuracy)}


def _num(value, width: int, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "-".rjust(width)
    return f"{value:+{width}.{digits}f}" if signed else f"{value:{width}.{digits}f}"


def _pct(value, width: int = 6) -> str:
    return "-".rjust(width) if value is None else f"{100 * value:{width - 1}.1f}%"


def _interval(low, high) -> str:
    return "" if low is None else f"[{100 * low:.1f}, {100 * high:.1f}]"


def accuracy_table(report: dict) -> list[str]:
    lines = [f"{'season':<8} {'system':<27} {'n':>6} {'MAE':>6} {'bias':>6} {'vs MA':>7} {'n line':>6} "
             f"{'MAE':>6} {'line':>6}"]
    for season, systems in report["seasons"].items():
        for system_id, r in systems.items():
            vs = "-".rjust(7) if r["vs_baseline_pct"] is None else f"{r['vs_baseline_pct']:+6.2f}%"
            lines.append(f"{season:<8} {system_id:<27} {r['n']:>6} {_num(r['mae'], 6)} {_num(r['bias'], 6, 2, True)} {vs} "
                         f"{r['n_real_line']:>6} {_num(r['mae_real_line'], 6)} {_num(r['line_mae_real_line'], 6)}")
    return lines


def _bet_line(season: str, system_id: str, label: str, b: dict) -> str:
    roi = "-".rjust(7) if b["roi"] is None else f"{100 * b['roi']:+6.1f}%"
    roi_ci = "" if b["roi_low"] is None else f"[{100 * b['roi_low']:+.1f}, {100 * b['roi_high']:+.1f}]"
    return (f"{season:<8} {system_id:<27} {label:<10} {b['bets']:>6} {b['pushes']:>5} {_pct(b['hit_rate'], 7)} "
            f"{_interval(b['hit_rate_low'], b['hit_rate_high']):<14} {roi} {roi_ci}")


def bets_table(report: dict) -> list[str]:
    """Directions and EV buckets with at least one bet."""
    lines = [f"{'season':<8} {'system':<27} {'bets':<10} {'n':>6} {'push':>5} {'hit':>7} {'95% Wilson':<14} "
             f"{'ROI':>7} 95% interval"]
    for season, systems in report["seasons"].items():
        for system_id, r in systems.items():
            rows = [(direction, b) for direction, b in r["bets"].items()]
            rows += [(f"EV {bucket['bucket']}", bucket) for bucket in r["ev_buckets"]]
            lines += [_bet_line(season, system_id, label, b) for label, b in rows if b["bets"]]
    if len(lines) == 1:
        lines.append("(no graded bets: no real prop lines with prices, or no bet cleared the margin)")
    return lines


def reliability_table(report: dict, kind: str) -> list[str]:
    key = f"reliability_{kind}_lines"
    lines = [f"{'season':<8} {'system':<27} {'P(over)':<8} {'n':>6} {'mean p':>7} {'observed':>8} 95% Wilson"]
    for season, systems in report["seasons"].items():
        for system_id, r in systems.items():
            for row in r[key]:
                lines.append(f"{season:<8} {system_id:<27} {row['bin']:<8} {row['n']:>6} {_pct(row['mean_probability'], 7)} "
                             f"{_pct(row['observed_over'], 8)} {_interval(row['observed_low'], row['observed_high'])}")
            brier = r[f"brier_{kind}_lines"]
            if brier is not None:
                lines.append(f"{season:<8} {system_id:<27} {'Brier':<8} {brier:>6.4f}")
    if len(lines) == 1:
        lines.append("(no probabilities on these lines)")
    return lines


def monthly_table(report: dict) -> list[str]:
    systems = [s for s in SYSTEM_IDS if any(s in row for row in report["months"].values())]
    short = {s: s.replace("_baseline", "").replace("_balanced", "").replace("_matchup", "")[:14] for s in systems}
    lines = [f"{'month':<8} " + " ".join(f"{short[s]:>14}" for s in systems)]
    for month, row in report["months"].items():
        lines.append(f"{month:<8} " + " ".join(_num(row.get(s), 14) for s in systems))
    return lines


def format_report(report: dict) -> str:
    sections = [
        ("Accuracy (MAE in points; 'vs MA' on the same player-games as moving_average_baseline_v1; "
         "'n line / MAE / line': player-games with a real line, the system's MAE and the line's own)", accuracy_table(report)),
        (f"Bets on real lines at the offered prices (recommended when EV >= {report['ev_margin']:.2f} units; "
         "pushes return the stake)", bets_table(report)),
        ("Reliability on real lines: predicted P(over) vs observed share of overs", reliability_table(report, "real")),
        ("Reliability on estimated lines (last-5 average; never bet)", reliability_table(report, "estimated")),
        ("Walk-forward MAE by month", monthly_table(report)),
    ]
    return "\n\n".join(title + "\n" + "\n".join(rows) for title, rows in sections)
