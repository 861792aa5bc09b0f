"""Betting lines known before tip-off, American odds, and the one push rule used everywhere (PGS, grading,
features).

A snapshot is pre-game when the bookmaker says so (minutes_before_tipoff >= 0) and its timestamp is before its
game's cut-off: the tip-off for the results tables, the information cut-off for pre-game rows (nba_assets.pregame).
A snapshot without a game id is held to the earliest cut-off of its date. Prop bookmaker priority: DraftKings,
FanDuel, then the others alphabetically; the current line is that bookmaker's latest pre-game snapshot, the
opening line its earliest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PRIORITY_BOOKMAKERS = ("draftkings", "fanduel")
OVER, UNDER, PUSH = "OVER", "UNDER", "PUSH"


def over_under_result(points: pd.Series, line: pd.Series) -> pd.Series:
    """OVER if points > line, UNDER if points < line, PUSH if equal; NULL without a line or a result."""
    result = np.select([points > line, points < line, points == line], [OVER, UNDER, PUSH], default=None)
    known = points.notna() & line.notna()
    return pd.Series(np.where(known, result, None), index=points.index, dtype="string")


def payout(american: pd.Series | np.ndarray) -> np.ndarray:
    """Profit per unit staked when the bet wins: +150 -> 1.5, -110 -> 0.909; NaN without a price."""
    odds = (american.to_numpy(dtype="float64", na_value=np.nan) if isinstance(american, pd.Series)
            else np.asarray(american, dtype="float64"))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(odds > 0, odds / 100.0, np.where(odds < 0, 100.0 / -odds, np.nan))


def implied_probability(american: pd.Series | np.ndarray) -> np.ndarray:
    """The bookmaker's implied probability (vig included): -110 -> 0.5238, +150 -> 0.4."""
    return 1.0 / (1.0 + payout(american))


def tipoff_cutoffs(games: pd.DataFrame) -> pd.DataFrame:
    """(game_id, game_date, known_before) with every game's cut-off at its tip-off."""
    return games[["game_id", "game_date"]].assign(known_before=games["tipoff_utc"])


def pregame_snapshots(snapshots: pd.DataFrame, cutoffs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Snapshots taken before tip-off; with `cutoffs` (game_id, game_date, known_before), also before their
    game's cut-off (a snapshot without a known game: the earliest cut-off of its date)."""
    keep = (snapshots["minutes_before_tipoff"] >= 0).to_numpy()
    if cutoffs is not None and len(snapshots) and len(cutoffs):
        known_before = pd.to_datetime(cutoffs["known_before"], utc=True)
        by_game = pd.Series(known_before.to_numpy(), index=cutoffs["game_id"].to_numpy())
        by_date = known_before.groupby(pd.to_datetime(cutoffs["game_date"]).to_numpy()).min()
        games = snapshots["game_id"] if "game_id" in snapshots else pd.Series(None, index=snapshots.index, dtype="object")
        cutoff = games.map(by_game).fillna(pd.to_datetime(snapshots["game_date"]).map(by_date))
        taken = pd.to_datetime(snapshots["snapshot_timestamp"], utc=True)
        keep &= ~(cutoff.notna() & (taken >= cutoff)).to_numpy()
    return snapshots[keep]


def _bookmaker_rank(bookmakers: pd.Series) -> pd.Series:
    rank = bookmakers.map({b: i for i, b in enumerate(PRIORITY_BOOKMAKERS)})
    return rank.fillna(len(PRIORITY_BOOKMAKERS)).astype(int)


def select_prop_lines(props: pd.DataFrame, cutoffs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (game_date, player_lookup) with a pre-game line: current line and its prices (American odds)
    and opening line of the priority bookmaker, its snapshot time, the number of bookmakers and the spread of
    their latest lines."""
    columns = {"game_date": "datetime64[ns]", "player_lookup": "string", "current_points_line": "float64",
               "current_over_price": "Int64", "current_under_price": "Int64",
               "opening_points_line": "float64", "line_bookmaker": "string", "line_snapshot_timestamp": "datetime64[ns, UTC]",
               "line_bookmaker_count": "int64", "line_bookmaker_std": "float64"}
    pre = pregame_snapshots(props, cutoffs)
    if pre.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    pre = pre.assign(rank=_bookmaker_rank(pre["bookmaker"]))
    key = ["game_date", "player_lookup"]
    latest_per_book = pre.sort_values("snapshot_timestamp").groupby(key + ["bookmaker"], sort=False).tail(1)
    books = latest_per_book.groupby(key).agg(
        line_bookmaker_count=("bookmaker", "size"), line_bookmaker_std=("points_line", "std")
    )
    chosen = latest_per_book.sort_values(["rank", "bookmaker"]).groupby(key, sort=False).head(1)
    opening = (
        pre.merge(chosen[key + ["bookmaker"]], on=key + ["bookmaker"])
        .sort_values("snapshot_timestamp")
        .groupby(key, sort=False)
        .head(1)[key + ["points_line"]]
        .rename(columns={"points_line": "opening_points_line"})
    )
    out = (
        chosen[key + ["points_line", "over_price", "under_price", "bookmaker", "snapshot_timestamp"]]
        .rename(columns={"points_line": "current_points_line", "over_price": "current_over_price",
                         "under_price": "current_under_price", "bookmaker": "line_bookmaker",
                         "snapshot_timestamp": "line_snapshot_timestamp"})
        .merge(opening, on=key)
        .merge(books.reset_index(), on=key)
    )
    return out[list(columns)].astype({"current_over_price": "Int64", "current_under_price": "Int64"}).reset_index(drop=True)


def select_game_lines(lines: pd.DataFrame, games: pd.DataFrame, cutoffs: pd.DataFrame) -> pd.DataFrame:
    """One row per game with pre-game lines: home spread and total as the median across bookmakers of each
    bookmaker's latest pre-game snapshot (opening = median of their earliest), and the bookmaker count."""
    columns = ["game_id", "home_spread", "home_spread_opening", "game_total", "game_total_opening", "lines_bookmaker_count"]
    pre = pregame_snapshots(lines, cutoffs)
    pre = pre.merge(games[["game_id", "home_team_tricode"]], on="game_id")
    spreads = pre[(pre["market_key"] == "spreads") & (pre["outcome_name"] == pre["home_team_tricode"])]
    totals = pre[(pre["market_key"] == "totals") & (pre["outcome_name"] == "Over")]
    out = games[["game_id"]].copy()
    for frame, name in ((spreads, "home_spread"), (totals, "game_total")):
        ordered = frame.sort_values("snapshot_timestamp").groupby(["game_id", "bookmaker_key"], sort=False)["outcome_point"]
        latest = ordered.last().groupby(level="game_id").median().rename(name)
        opening = ordered.first().groupby(level="game_id").median().rename(f"{name}_opening")
        out = out.merge(latest.reset_index(), on="game_id", how="left").merge(opening.reset_index(), on="game_id", how="left")
    count = pre.groupby("game_id")["bookmaker_key"].nunique().rename("lines_bookmaker_count").reset_index()
    out = out.merge(count, on="game_id", how="left")
    out["lines_bookmaker_count"] = out["lines_bookmaker_count"].fillna(0).astype("int64")
    return out[columns]
