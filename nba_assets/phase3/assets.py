"""Phase 3 analytics assets: thin Dagster wiring around phase3.box_scores and phase3.upcoming."""


import dagster as dg
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR, build_season_calendar
from nba_assets.phase3 import box_scores, upcoming
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.raw.resource import RawSourceResource, raw_key
from nba_assets.table_asset import history, same_day, table_asset, window_dates

GROUP = "phase3_analytics"
ROSTER_LOOKBACK_DAYS = 30  # roster snapshots are taken on game days; a month always holds a team's latest
BOX_SCORES_COMPLETE = "box_scores_complete"


@table_asset(SEASON_CALENDAR, group=GROUP, partitioned=False, deps=[raw_key("nbac_schedule")])
def season_calendar(context: dg.AssetExecutionContext, raw: RawSourceResource) -> dg.Output:
    """Seasons, phases and All-Star breaks derived from the schedule; every in-season window reads its season start here."""
    frame = SEASON_CALENDAR.conform(build_season_calendar(raw.read_all("nbac_schedule")))
    return dg.Output(frame, metadata={"seasons": dg.MetadataValue.md(frame.to_markdown(index=False))})


def _completeness_check(table, audit: box_scores.BoxScoreAudit) -> dg.AssetCheckResult:
    missing = audit.missing_box_scores
    return dg.AssetCheckResult(
        asset_key=table.asset_key,
        check_name=BOX_SCORES_COMPLETE,
        passed=missing.empty,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if missing.empty else f"{len(missing)} Final game(s) without box scores",
        metadata={
            "missing_games": len(missing),
            "missing_dates": dg.MetadataValue.json(sorted(missing["game_date"].dt.strftime("%Y-%m-%d").unique().tolist())),
            "missing_game_list": dg.MetadataValue.md(missing.assign(game_date=missing["game_date"].dt.date).to_markdown(index=False)
                                                     if len(missing) else "none"),
        },
    )


def _box_score_inputs(context, raw: RawSourceResource):
    start, end = window_dates(context)
    schedule = raw.read("nbac_schedule", start, end)
    gamebook = raw.read("nbac_gamebook_player_stats", start, end)
    box, audit = box_scores.competitive_box_scores(schedule, gamebook, raw.location("nbac_gamebook_player_stats"))
    return schedule, box, audit, start, end


def _table_metadata(frame: pd.DataFrame, extra: dict | None = None) -> dict:
    return {"rows": len(frame), **(extra or {})}


@table_asset(
    TEAM_OFFENSE_GAME_SUMMARY,
    group=GROUP,
    deps=[raw_key(t) for t in ("nbac_schedule", "nbac_gamebook_player_stats", "nbac_team_boxscore", "nbac_play_by_play")],
    check_specs=[dg.AssetCheckSpec(BOX_SCORES_COMPLETE, asset=TEAM_OFFENSE_GAME_SUMMARY.asset_key,
                                   description="every Final competitive game of the window has box scores")],
)
def team_offense_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource):
    schedule, box, audit, start, end = _box_score_inputs(context, raw)
    frame = box_scores.team_offense_game_summary(
        schedule, box, raw.read("nbac_team_boxscore", start, end), raw.read("nbac_play_by_play", start, end)
    )
    yield dg.Output(frame, metadata=_table_metadata(frame, audit.metadata()))
    yield _completeness_check(TEAM_OFFENSE_GAME_SUMMARY, audit)


@table_asset(TEAM_DEFENSE_GAME_SUMMARY, group=GROUP, ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)})
def team_defense_game_summary(team_offense: pd.DataFrame) -> dg.Output:
    frame = box_scores.team_defense_game_summary(team_offense)
    return dg.Output(frame, metadata=_table_metadata(frame))


@table_asset(
    PLAYER_GAME_SUMMARY,
    group=GROUP,
    ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)},
    deps=[raw_key(t) for t in ("nbac_schedule", "nbac_gamebook_player_stats", "nbac_play_by_play", "odds_api_player_points_props")],
    check_specs=[dg.AssetCheckSpec(BOX_SCORES_COMPLETE, asset=PLAYER_GAME_SUMMARY.asset_key,
                                   description="every Final competitive game of the window has box scores")],
)
def player_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource, team_offense: pd.DataFrame):
    schedule, box, audit, start, end = _box_score_inputs(context, raw)
    frame = box_scores.player_game_summary(
        schedule, box, team_offense, raw.read("nbac_play_by_play", start, end),
        raw.read("odds_api_player_points_props", start, end),
    )
    yield dg.Output(frame, metadata=_table_metadata(frame, audit.metadata()))
    yield _completeness_check(PLAYER_GAME_SUMMARY, audit)


def _pregame_rosters(raw: RawSourceResource, start, end) -> pd.DataFrame | None:
    """Roster snapshots that can be a window day's latest, or None when the source has no rosters table."""
    if not raw.has_table("espn_team_rosters"):
        return None
    return raw.read("espn_team_rosters", start - pd.Timedelta(days=ROSTER_LOOKBACK_DAYS), end)


@table_asset(
    UPCOMING_TEAM_GAME_CONTEXT,
    group=GROUP,
    ins={"season_calendar": dg.AssetIn(key=SEASON_CALENDAR.asset_key), "team_history": history(TEAM_OFFENSE_GAME_SUMMARY)},
    deps=[raw_key(t) for t in ("nbac_schedule", "espn_team_rosters", "odds_api_game_lines", "nbac_injury_report")],
)
def upcoming_team_game_context(
    context: dg.AssetExecutionContext, raw: RawSourceResource, season_calendar: pd.DataFrame, team_history: pd.DataFrame
) -> dg.Output:
    start, end = window_dates(context)
    frame = upcoming.upcoming_team_game_context(
        raw.read("nbac_schedule", start, end),
        season_calendar,
        team_history,
        _pregame_rosters(raw, start, end),
        raw.read("odds_api_game_lines", start, end),
        raw.read("nbac_injury_report", start, end),
        raw.has_table("nbac_injury_report"),
    )
    return dg.Output(frame, metadata=_table_metadata(frame))


@table_asset(
    UPCOMING_PLAYER_GAME_CONTEXT,
    group=GROUP,
    ins={
        "season_calendar": dg.AssetIn(key=SEASON_CALENDAR.asset_key),
        "player_history": history(PLAYER_GAME_SUMMARY),
        "team_history": history(TEAM_OFFENSE_GAME_SUMMARY),
        "defense_history": history(TEAM_DEFENSE_GAME_SUMMARY),
        "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT),
    },
    deps=[raw_key(t) for t in ("nbac_schedule", "espn_team_rosters", "odds_api_player_points_props", "nbac_injury_report")],
)
def upcoming_player_game_context(
    context: dg.AssetExecutionContext,
    raw: RawSourceResource,
    season_calendar: pd.DataFrame,
    player_history: pd.DataFrame,
    team_history: pd.DataFrame,
    defense_history: pd.DataFrame,
    team_context: pd.DataFrame,
) -> dg.Output:
    start, end = window_dates(context)
    rosters = _pregame_rosters(raw, start, end)
    frame = upcoming.upcoming_player_game_context(
        raw.read("nbac_schedule", start, end),
        season_calendar,
        player_history,
        team_history,
        defense_history,
        team_context,
        rosters,
        raw.read("odds_api_player_points_props", start, end),
        raw.read("nbac_injury_report", start, end),
        raw.has_table("nbac_injury_report"),
    )
    sources = frame["roster_source"].value_counts().to_dict() if len(frame) else {}
    return dg.Output(frame, metadata=_table_metadata(frame, {"roster_sources": dg.MetadataValue.json(sources)}))


PHASE3_ASSETS = [
    season_calendar,
    team_offense_game_summary,
    team_defense_game_summary,
    player_game_summary,
    upcoming_team_game_context,
    upcoming_player_game_context,
]
