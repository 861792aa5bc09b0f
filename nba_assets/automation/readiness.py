"""What tonight's pre-game run waits for, and what makes it run again.

History: every earlier day a pre-game table reads (the lookback windows declared on the pregame job's assets)
that had Final competitive games must be materialized in the instance and not failed: a day quarantined for
breaking an error rule shows as failed there (checks/governance.py), a day still being built as in progress.
The model in force is the points model of the day's month (partition = the month's first day).

Inputs: what the open games' picks are made of, as known now: the chosen prop line and its prices per player, the
latest injury report, the game lines, the latest roster snapshots, the schedule of the games not started, and the
latest materializations of the results tables and of the model (a late result or a correction changes them).
A run is started when one of them changes; the names of those that did are the run's trigger.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import dagster as dg
import pandas as pd

from nba_assets.calendar import final_games, scheduled_games
from nba_assets.lines import select_game_lines, select_prop_lines
from nba_assets.partitions import FIRST_GAME_DAY, game_days
from nba_assets.phase3.upcoming import pregame_injury_report
from nba_assets.pregame import game_cutoffs, roster_known_at
from nba_assets.predictions.tables import POINTS_MODEL

MODEL_KEY = POINTS_MODEL.asset_key


def lookbacks(assets: list[dg.AssetsDefinition]) -> dict[dg.AssetKey, int]:
    """Upstream table -> how many days before the day the assets read it (their declared window mappings).
    The model is not a history table: the one in force is required instead (month_model_day)."""
    days: dict[dg.AssetKey, int] = {}
    for asset in assets:
        for spec in asset.specs:
            for dep in spec.deps:
                mapping = dep.partition_mapping
                if isinstance(mapping, dg.TimeWindowPartitionMapping) and mapping.start_offset < 0 and dep.asset_key != MODEL_KEY:
                    days[dep.asset_key] = max(days.get(dep.asset_key, 0), -mapping.start_offset)
    return days


def month_model_day(day: dt.date) -> dt.date | None:
    """The partition of the model in force on `day`: its month's first day (None before the first partition)."""
    first = day.replace(day=1)
    return first if first >= dt.date.fromisoformat(FIRST_GAME_DAY) else None


def game_days_between(schedule: pd.DataFrame, start: dt.date, end: dt.date) -> list[dt.date]:
    """Days in [start, end) with Final competitive games (the days a history table must hold)."""
    games = final_games(schedule)
    days = pd.to_datetime(games["game_date"]).dt.date
    first = dt.date.fromisoformat(FIRST_GAME_DAY)
    return sorted({d for d in days if max(start, first) <= d < end})


def unready_days(instance: dg.DagsterInstance, key: dg.AssetKey, days: list[dt.date]) -> dict[str, str]:
    """{day: status} of the days not materialized (missing, failed or in progress) for the asset."""
    if not days:
        return {}
    keys = [d.isoformat() for d in days]
    statuses = instance.get_status_by_partition(key, keys, game_days) or {}
    return {k: (statuses.get(k).value.lower() if statuses.get(k) else "missing") for k in keys
            if statuses.get(k) != dg.AssetPartitionStatus.MATERIALIZED}


def history_gaps(instance: dg.DagsterInstance, schedule: pd.DataFrame, day: dt.date,
                 windows: dict[dg.AssetKey, int]) -> dict[str, dict[str, str]]:
    """table -> {day: status} of the earlier game days the day's pre-game tables read but cannot use yet."""
    gaps = {}
    for key, lookback in sorted(windows.items(), key=lambda item: item[0].to_user_string()):
        missing = unready_days(instance, key, game_days_between(schedule, day - dt.timedelta(days=lookback), day))
        if missing:
            gaps[key.to_user_string()] = missing
    return gaps


def describe_gaps(gaps: dict[str, dict[str, str]]) -> str:
    parts = []
    for table, days in gaps.items():
        shown = ", ".join(f"{d} {status}" for d, status in sorted(days.items())[-3:])
        parts.append(f"{table.split('/')[-1]}: {len(days)} day(s) ({shown})")
    return "; ".join(parts)


def latest_storage_id(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str | None = None) -> int | None:
    records_filter = dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition] if partition else None)
    records = instance.fetch_materializations(records_filter, limit=1).records
    return records[0].storage_id if records else None


def _digest(frame: pd.DataFrame) -> str:
    canonical = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False) if len(frame.columns) else ""
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@dataclasses.dataclass(frozen=True)
class DaySchedule:
    """Today's competitive games not postponed, and those not started at the moment."""

    games: pd.DataFrame
    open_games: pd.DataFrame

    @property
    def first_tipoff(self) -> pd.Timestamp | None:
        return None if self.open_games.empty else pd.Timestamp(self.open_games["tipoff_utc"].min())


def day_schedule(schedule: pd.DataFrame, now: pd.Timestamp) -> DaySchedule:
    games = scheduled_games(schedule)
    games["tipoff_utc"] = pd.to_datetime(games["tipoff_utc"], utc=True)
    return DaySchedule(games, games[games["tipoff_utc"] > now].reset_index(drop=True))


@dataclasses.dataclass(frozen=True)
class PregameInputs:
    digests: dict[str, str]  # kind of input -> digest
    lined_players: int
    reported_games: int


def pregame_inputs(raw, day: dt.date, today: DaySchedule, now: pd.Timestamp) -> PregameInputs:
    """A digest per kind of pre-game input of the open games, as known at `now` (the cut-off of a live run)."""
    tomorrow = day + dt.timedelta(days=1)
    cutoffs = game_cutoffs(today.open_games, now, pd.Timedelta(0))
    props = raw.read("odds_api_player_points_props", day, tomorrow)
    lines = select_prop_lines(props, cutoffs)
    priced = lines.merge(props.rename(columns={"bookmaker": "line_bookmaker", "snapshot_timestamp": "line_snapshot_timestamp"})[
        ["player_lookup", "line_bookmaker", "line_snapshot_timestamp", "over_price", "under_price"]],
        on=["player_lookup", "line_bookmaker", "line_snapshot_timestamp"], how="left")
    report = pregame_injury_report(raw.read("nbac_injury_report", day, tomorrow), cutoffs)
    game_lines = select_game_lines(raw.read("odds_api_game_lines", day, tomorrow), today.open_games, cutoffs)
    inputs = {
        "schedule": _digest(today.open_games[["game_id", "tipoff_utc", "home_team_tricode", "away_team_tricode"]]),
        "lines": _digest(priced[["player_lookup", "line_bookmaker", "current_points_line", "over_price", "under_price"]]),
        "injury report": _digest(report[["game_id", "player_lookup", "injury_status"]]),
        "game lines": _digest(game_lines[["game_id", "home_spread", "game_total"]]),
    }
    if raw.has_table("espn_team_rosters"):
        rosters = raw.read("espn_team_rosters", day - dt.timedelta(days=30), tomorrow)
        teams = set(today.open_games["home_team_tricode"]) | set(today.open_games["away_team_tricode"])
        known = rosters[(roster_known_at(rosters) < now).to_numpy() & rosters["team_abbr"].isin(teams).to_numpy()]
        latest = known[known["roster_date"] == known.groupby("team_abbr")["roster_date"].transform("max")]
        inputs["rosters"] = _digest(latest[["team_abbr", "player_lookup"]])
    return PregameInputs(inputs, int(len(lines)), int(report["game_id"].nunique()))
