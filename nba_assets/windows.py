"""Point-in-time windows over game history, vectorized across all target days at once.

A target is (entity, as-of date D, season start S). Its window is the entity's games with S <= game_date < D,
cut to the last N games or to the last K calendar days. Strictly-before-D is built in: no caller can ask for
a window that includes D. Windows are located with binary search over one sorted key and aggregated with
prefix sums, so a two-season range costs the same code path as a single day.

Every window reports its lineage: games found, first and last game date used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from nba_assets.calendar import final_games, team_games

_DAY_SPAN = 1 << 20  # larger than any day ordinal we meet (days since 1970), so (entity, day) packs into one int64


def _day_ordinal(dates: pd.Series) -> np.ndarray:
    return (pd.to_datetime(dates, cache=False).values.astype("datetime64[D]").astype(np.int64)).astype(np.int64)


@dataclasses.dataclass
class GameHistory:
    """History rows sorted by (entity, game date), with packed keys for binary search."""

    frame: pd.DataFrame
    keys: np.ndarray
    codes: pd.Index
    entity: tuple[str, ...]
    date_col: str

    @classmethod
    def build(cls, history: pd.DataFrame, entity: str | Sequence[str], date_col: str = "game_date") -> "GameHistory":
        entity = (entity,) if isinstance(entity, str) else tuple(entity)
        ids = _entity_ids(history, entity)
        codes = pd.Index(pd.unique(ids))
        code = codes.get_indexer(ids).astype(np.int64)
        keys = code * _DAY_SPAN + _day_ordinal(history[date_col])
        order = np.argsort(keys, kind="stable")
        return cls(history.iloc[order].reset_index(drop=True), keys[order], codes, entity, date_col)

    def bounds(self, targets: pd.DataFrame, as_of: str, floor: str | None = None, last_n: int | None = None,
               last_days: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """[start, end) row positions of each target's window: games with floor <= date < as_of, cut to the
        last `last_n` games or to dates >= as_of - last_days."""
        code = self.codes.get_indexer(_entity_ids(targets, self.entity)).astype(np.int64)
        known = code >= 0
        base = np.where(known, code, 0) * _DAY_SPAN
        as_of_day = _day_ordinal(targets[as_of])
        end = np.searchsorted(self.keys, base + as_of_day, side="left")
        start = np.searchsorted(self.keys, base, side="left")
        if floor is not None:
            start = np.maximum(start, np.searchsorted(self.keys, base + _day_ordinal(targets[floor]), side="left"))
        if last_days is not None:
            start = np.maximum(start, np.searchsorted(self.keys, base + as_of_day - last_days, side="left"))
        if last_n is not None:
            start = np.maximum(start, end - last_n)
        start = np.minimum(start, end)
        start[~known] = end[~known] = 0
        return start, end


def _entity_ids(frame: pd.DataFrame, entity: tuple[str, ...]) -> np.ndarray:
    if len(entity) == 1:
        return frame[entity[0]].astype(str).to_numpy()
    joined = frame[entity[0]].astype(str)
    for column in entity[1:]:
        joined = joined + "\x1f" + frame[column].astype(str)
    return joined.to_numpy()


# Window sums are computed in fixed point (micro-units in int64): integer sums do not depend on which other
# rows the history holds, so a day computed inside a range run equals the same day computed alone.
_SCALE = 1_000_000


def _prefix(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(values, dtype=np.int64)])


def window_stats(history: GameHistory, start: np.ndarray, end: np.ndarray, columns: Sequence[str],
                 prefix: str = "") -> pd.DataFrame:
    """Per target window: count of non-null values, sum, mean and sample std of each column, plus lineage."""
    out: dict[str, np.ndarray] = {}
    games = end - start
    out[f"{prefix}games_found"] = games
    dates = history.frame[history.date_col].to_numpy()
    has = games > 0
    first = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[ns]")
    last = first.copy()
    first[has] = dates[start[has]]
    last[has] = dates[end[has] - 1]
    out[f"{prefix}first_game_date"] = first
    out[f"{prefix}last_game_date"] = last
    for column in columns:
        values = pd.to_numeric(history.frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(values)
        fixed = np.round(np.where(present, values, 0.0) * _SCALE).astype(np.int64)
        n = _prefix(present.astype(np.int64))
        s = _prefix(fixed)
        ss = _prefix(np.round(np.where(present, values * values, 0.0) * _SCALE).astype(np.int64))
        count = (n[end] - n[start]).astype("float64")
        total = (s[end] - s[start]) / _SCALE
        squares = (ss[end] - ss[start]) / _SCALE
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total / count, np.nan)
            var = np.where(count > 1, (squares - total * total / np.maximum(count, 1)) / (count - 1), np.nan)
        out[f"{prefix}{column}_count"] = count
        out[f"{prefix}{column}_sum"] = np.where(count > 0, total, np.nan)
        out[f"{prefix}{column}_mean"] = mean
        out[f"{prefix}{column}_std"] = np.sqrt(np.clip(var, 0, None))
    return pd.DataFrame(out)


def window_slope(history: GameHistory, start: np.ndarray, end: np.ndarray, column: str, max_games: int) -> np.ndarray:
    """Least-squares slope of `column` over each window of at most `max_games` (oldest to newest, x = 0, 1, ...);
    NaN with fewer than 2 games. Computed on the gathered window itself, independent of the rest of history."""
    y_all = pd.to_numeric(history.frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    n = np.minimum(end - start, max_games)
    first = end - n
    offsets = np.arange(max_games)
    inside = offsets[None, :] < n[:, None]
    positions = np.where(inside, first[:, None] + offsets[None, :], 0)
    y = np.where(inside, y_all[positions] if len(y_all) else 0.0, 0.0)
    x = np.where(inside, offsets[None, :], 0.0)
    count = n.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = x.sum(axis=1) / count
        y_mean = y.sum(axis=1) / count
        dx = np.where(inside, x - x_mean[:, None], 0.0)
        slope = (dx * (y - y_mean[:, None])).sum(axis=1) / (dx * dx).sum(axis=1)
    return np.where(n >= 2, slope, np.nan)


def window_decayed_mean(history: GameHistory, start: np.ndarray, end: np.ndarray, column: str, halflife: float,
                        max_games: int) -> np.ndarray:
    """Exponentially decayed mean of `column` over each window's newest `max_games` games: weight 0.5^(k /
    halflife) for the k-th newest (k = 0 the latest); NaN for an empty window. Computed on the gathered window
    itself, so a day's value does not depend on the rest of the history."""
    values = pd.to_numeric(history.frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    n = np.minimum(end - start, max_games)
    recency = np.arange(max_games)
    inside = recency[None, :] < n[:, None]
    positions = np.where(inside, end[:, None] - 1 - recency[None, :], 0)
    x = np.where(inside, values[positions] if len(values) else np.nan, np.nan)
    weights = np.where(inside & ~np.isnan(x), 0.5 ** (recency[None, :] / halflife), 0.0)
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (weights * np.nan_to_num(x)).sum(axis=1) / total, np.nan)


def window_rows(history: GameHistory, start: np.ndarray, end: np.ndarray, max_games: int) -> pd.DataFrame:
    """The individual games of each window (at most the newest `max_games`), with `target` (target row number)
    and `recency` (0 = newest game). For statistics that prefix sums cannot express (streaks, shares)."""
    lengths = np.minimum(end - start, max_games)
    target = np.repeat(np.arange(len(start)), lengths)
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.repeat(end, lengths) - 1 - offsets
    rows = history.frame.iloc[positions].reset_index(drop=True)
    rows["target"] = target
    rows["recency"] = offsets
    return rows


def last_game(history: GameHistory, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """Each target's most recent game in its window (all columns), NULL where the window is empty."""
    has = end > start
    if not len(history.frame):
        return history.frame.reindex(range(len(start)))
    rows = history.frame.iloc[np.where(has, end - 1, 0)].reset_index(drop=True)
    return rows.where(pd.Series(has), other=None) if not has.all() else rows


def scheduled_team_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """Final competitive team-games of the schedule: what the data behind a window should contain."""
    return team_games(final_games(schedule))[["team_abbr", "game_date", "game_id"]]


def team_game_lineage(schedule: pd.DataFrame, *histories: pd.DataFrame) -> tuple[GameHistory, GameHistory]:
    """The team-games the schedule has (Final, competitive), and those present in every one of `histories` (rows
    with team_abbr or defending_team_abbr, and game_date): a day missing from any table a row is built from is a
    gap in that row's windows."""
    present = None
    for history in histories:
        teams = history.rename(columns={"defending_team_abbr": "team_abbr"})[["team_abbr", "game_date"]].drop_duplicates()
        present = teams if present is None else present.merge(teams, on=["team_abbr", "game_date"])
    return (GameHistory.build(scheduled_team_games(schedule), "team_abbr"),
            GameHistory.build(present.reset_index(drop=True), "team_abbr"))


def window_lineage(targets: pd.DataFrame, as_of: str, first_game_date: pd.Series, scheduled: GameHistory,
                   present: GameHistory, prefix: str = "") -> pd.DataFrame:
    """Team games the schedule has between the window's first game (or the season start) and the day before,
    and how many of them the data has. A window that silently used stale games after an outage, or around a
    quarantined day, shows a gap."""
    span = targets[["team_abbr", as_of]].copy()
    span["span_start"] = first_game_date.fillna(targets["season_start"]).to_numpy()
    s, e = scheduled.bounds(span, as_of=as_of, floor="span_start")
    ps, pe = present.bounds(span, as_of=as_of, floor="span_start")
    out = pd.DataFrame({f"{prefix}team_games_scheduled": e - s, f"{prefix}team_games_with_data": pe - ps}, index=targets.index)
    out[f"{prefix}window_complete"] = out[f"{prefix}team_games_with_data"] >= out[f"{prefix}team_games_scheduled"]
    return out
