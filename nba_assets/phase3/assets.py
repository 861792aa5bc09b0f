"""Phase 3 analytics assets: thin Dagster wiring around phase3.box_scores and phase3.upcoming."""


import dagster as dg
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR, build_season_calendar, final_games, scheduled_games, team_games
from nba_assets.checks.daily import DailyChecks
from nba_assets.phase3 import box_scores, upcoming
from nba_assets.pregame import reconstruction_lead, run_as_of
from nba_assets.phase3.tables import (
    PLAYER_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.raw.contract import format_problems
from nba_assets.raw.reads import RAW_CONTRACT, RawReads, raw_contract_check_spec
from nba_assets.raw.resource import ALL_TIME, RawSourceResource, raw_key
from nba_assets.table_asset import history, rows_per_day, same_day, table_asset, window_dates

GROUP = "phase3_analytics"
ROSTER_LOOKBACK_DAYS = 30  # roster snapshots are taken on game days; a month always holds a team's latest
BOX_SCORES_COMPLETE = "box_scores_complete"
SCORES_MATCH_SCHEDULE = "scores_match_schedule"
PROP_PLAYERS_ROSTERED = "prop_players_rostered"


@table_asset(SEASON_CALENDAR, group=GROUP, partitioned=False, deps=[raw_key("nbac_schedule")],
             check_specs=[raw_contract_check_spec(SEASON_CALENDAR)])
def season_calendar(context: dg.AssetExecutionContext, raw: RawSourceResource):
    """Seasons, phases and All-Star breaks derived from the schedule; every in-season window reads its season start
    here. Built from the schedule rows that passed the raw contract: a refused row's day fails raw_contract in the
    daily tables, and here as a warning."""
    reads = RawReads(raw, *ALL_TIME)
    frame = SEASON_CALENDAR.conform(build_season_calendar(reads.read("nbac_schedule")))
    yield dg.Output(frame, metadata={"seasons": dg.MetadataValue.md(frame.to_markdown(index=False))})
    problems = reads.problems
    yield dg.AssetCheckResult(
        check_name=RAW_CONTRACT, passed=problems.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"refused_rows": len(problems),
                  "days": dg.MetadataValue.json(sorted(set(problems["game_date"].dt.strftime("%Y-%m-%d")))),
                  "problems": dg.MetadataValue.md(format_problems(problems, limit=20) or "none")})


def _missing_box_scores(audit: box_scores.BoxScoreAudit) -> dict:
    """{day: (False, metadata)} for days with Final games missing box scores."""
    return _failures_by_day(audit.missing_box_scores, "missing_games", "missing_game_list")


def _failures_by_day(rows: pd.DataFrame, count_name: str, list_name: str) -> dict:
    """{day: (False, {count_name: n, list_name: the rows as a table})} for each day holding failing rows."""
    return {pd.Timestamp(day): (False, {count_name: len(day_rows),
                                        list_name: day_rows.assign(game_date=day_rows["game_date"].dt.date).to_markdown(index=False)})
            for day, day_rows in rows.groupby("game_date")}


def _box_score_check_spec(table) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(BOX_SCORES_COMPLETE, asset=table.asset_key,
                             description="every Final competitive game of the day has box scores")


def _box_score_inputs(reads: RawReads):
    schedule = reads.read("nbac_schedule")
    box, audit = box_scores.competitive_box_scores(schedule, reads.read("nbac_gamebook_player_stats"))
    return schedule, box, audit


def _table_metadata(frame: pd.DataFrame, extra: dict | None = None) -> dict:
    return {"rows": len(frame), **(extra or {})}


def _final_team_games_per_day(final_team_games: pd.DataFrame) -> tuple[dict, str]:
    return rows_per_day(final_team_games, "game_date"), "two teams per Final competitive game (schedule)"


@table_asset(
    TEAM_OFFENSE_GAME_SUMMARY,
    group=GROUP,
    deps=[raw_key(t) for t in ("nbac_schedule", "nbac_gamebook_player_stats", "nbac_team_boxscore", "nbac_play_by_play")],
    check_specs=[raw_contract_check_spec(TEAM_OFFENSE_GAME_SUMMARY), _box_score_check_spec(TEAM_OFFENSE_GAME_SUMMARY),
                 dg.AssetCheckSpec(SCORES_MATCH_SCHEDULE, asset=TEAM_OFFENSE_GAME_SUMMARY.asset_key,
                                   description="each team's points in the box scores equal the schedule's final score")],
)
def team_offense_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource):
    reads = RawReads(raw, *window_dates(context))
    schedule, box, audit = _box_score_inputs(reads)
    frame = box_scores.team_offense_game_summary(
        schedule, box, reads.read("nbac_team_boxscore"), reads.read("nbac_play_by_play"))
    yield dg.Output(frame, metadata=_table_metadata(frame, audit.metadata()))
    final_team_games = team_games(final_games(schedule))
    checks = DailyChecks(context, TEAM_OFFENSE_GAME_SUMMARY).add(RAW_CONTRACT, reads.failures_by_day())
    checks.add(BOX_SCORES_COMPLETE, _missing_box_scores(audit))
    checks.add(SCORES_MATCH_SCHEDULE, _failures_by_day(box_scores.score_mismatches(final_team_games, frame),
                                                       "teams", "mismatches"))
    yield from checks.add_table_rules(frame, _final_team_games_per_day(final_team_games)).results()


@table_asset(TEAM_DEFENSE_GAME_SUMMARY, group=GROUP, ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)})
def team_defense_game_summary(context: dg.AssetExecutionContext, team_offense: pd.DataFrame):
    frame = box_scores.team_defense_game_summary(team_offense)
    yield dg.Output(frame, metadata=_table_metadata(frame))
    yield from DailyChecks(context, TEAM_DEFENSE_GAME_SUMMARY).add_table_rules(
        frame, (rows_per_day(team_offense, "game_date"), "team_offense_game_summary rows")).results()


@table_asset(
    PLAYER_GAME_SUMMARY,
    group=GROUP,
    ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)},
    deps=[raw_key(t) for t in ("nbac_schedule", "nbac_gamebook_player_stats", "nbac_play_by_play", "odds_api_player_points_props")],
    check_specs=[raw_contract_check_spec(PLAYER_GAME_SUMMARY), _box_score_check_spec(PLAYER_GAME_SUMMARY)],
)
def player_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource, team_offense: pd.DataFrame):
    reads = RawReads(raw, *window_dates(context))
    schedule, box, audit = _box_score_inputs(reads)
    frame = box_scores.player_game_summary(
        schedule, box, team_offense, reads.read("nbac_play_by_play"), reads.read("odds_api_player_points_props"))
    yield dg.Output(frame, metadata=_table_metadata(frame, audit.metadata()))
    checks = DailyChecks(context, PLAYER_GAME_SUMMARY).add(RAW_CONTRACT, reads.failures_by_day())
    checks.add(BOX_SCORES_COMPLETE, _missing_box_scores(audit))
    yield from checks.add_table_rules(
        frame, (rows_per_day(box, "game_date"), "player rows of the Final competitive games' box scores")).results()


def _pregame_rosters(raw: RawSourceResource, reads: RawReads) -> pd.DataFrame | None:
    """Roster snapshots that can be a window day's latest, or None when the source has no rosters table."""
    if not raw.has_table("espn_team_rosters"):
        return None
    return reads.read("espn_team_rosters", reads.start - pd.Timedelta(days=ROSTER_LOOKBACK_DAYS), reads.end)


@table_asset(
    UPCOMING_TEAM_GAME_CONTEXT,
    group=GROUP,
    ins={"season_calendar": dg.AssetIn(key=SEASON_CALENDAR.asset_key), "team_history": history(TEAM_OFFENSE_GAME_SUMMARY)},
    deps=[raw_key(t) for t in ("nbac_schedule", "espn_team_rosters", "odds_api_game_lines", "nbac_injury_report")],
    check_specs=[raw_contract_check_spec(UPCOMING_TEAM_GAME_CONTEXT)],
)
def upcoming_team_game_context(
    context: dg.AssetExecutionContext, raw: RawSourceResource, season_calendar: pd.DataFrame, team_history: pd.DataFrame
):
    reads = RawReads(raw, *window_dates(context))
    schedule = reads.read("nbac_schedule")
    frame = upcoming.upcoming_team_game_context(
        schedule,
        season_calendar,
        team_history,
        _pregame_rosters(raw, reads),
        reads.read("odds_api_game_lines"),
        reads.read("nbac_injury_report"),
        raw.has_table("nbac_injury_report"),
        run_as_of(context.run.tags),
        reconstruction_lead(),
    )
    yield dg.Output(frame, metadata=_table_metadata(frame))
    yield from DailyChecks(context, UPCOMING_TEAM_GAME_CONTEXT).add(RAW_CONTRACT, reads.failures_by_day()).add_table_rules(
        frame, (rows_per_day(team_games(scheduled_games(schedule)), "game_date"),
                "two teams per scheduled competitive game (schedule)")).results()


@table_asset(
    UPCOMING_PLAYER_GAME_CONTEXT,
    group=GROUP,
    row_counts=False,
    check_specs=[raw_contract_check_spec(UPCOMING_PLAYER_GAME_CONTEXT),
                 dg.AssetCheckSpec(PROP_PLAYERS_ROSTERED, asset=UPCOMING_PLAYER_GAME_CONTEXT.asset_key,
                                   description="every player with a pre-game prop line is on a pre-game roster")],
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
):
    reads = RawReads(raw, *window_dates(context))
    as_of = run_as_of(context.run.tags)
    schedule = reads.read("nbac_schedule")
    props = reads.read("odds_api_player_points_props")
    frame = upcoming.upcoming_player_game_context(
        schedule,
        season_calendar,
        player_history,
        team_history,
        defense_history,
        team_context,
        _pregame_rosters(raw, reads),
        props,
        reads.read("nbac_injury_report"),
        raw.has_table("nbac_injury_report"),
        as_of,
        reconstruction_lead(),
    )
    sources = frame["roster_source"].value_counts().to_dict() if len(frame) else {}
    yield dg.Output(frame, metadata=_table_metadata(frame, {"roster_sources": dg.MetadataValue.json(sources)}))
    unknown = upcoming.unrostered_prop_players(props, schedule, frame, as_of, reconstruction_lead())
    unrostered = {pd.Timestamp(day): (False, {"players": len(rows), "lines": rows.to_markdown(index=False)})
                  for day, rows in unknown.assign(game_date=unknown["game_date"].dt.date).groupby("game_date")}
    checks = DailyChecks(context, UPCOMING_PLAYER_GAME_CONTEXT).add(RAW_CONTRACT, reads.failures_by_day())
    checks.add_table_rules(frame)
    yield from checks.add(PROP_PLAYERS_ROSTERED, unrostered, severity=dg.AssetCheckSeverity.WARN).results()


PHASE3_ASSETS = [
    season_calendar,
    team_offense_game_summary,
    team_defense_game_summary,
    player_game_summary,
    upcoming_team_game_context,
    upcoming_player_game_context,
]
