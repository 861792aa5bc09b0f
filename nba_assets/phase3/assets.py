"""Phase 3 analytics assets: thin Dagster wiring around phase3.box_scores and phase3.upcoming."""


import dagster as dg
import pandas as pd

from nba_assets.calendar import SEASON_CALENDAR, build_season_calendar, final_games, scheduled_games, team_games
from nba_assets.checks.governance import Evidence, Publication
from nba_assets.partitions import HISTORY_DAYS
from nba_assets.phase3 import box_scores, upcoming
from nba_assets.pregame import reconstruction_lead, run_as_of
from nba_assets.phase3.tables import (
    BOX_SCORES_COMPLETE,
    PLAYER_GAME_SUMMARY,
    PROP_LINES_MATCH_ROSTERS,
    RAW_CONTRACT,
    SCORES_MATCH_SCHEDULE,
    TEAM_DEFENSE_GAME_SUMMARY,
    TEAM_OFFENSE_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
)
from nba_assets.raw.contract import format_problems
from nba_assets.raw.reads import RawReads, raw_contract_check_spec
from nba_assets.raw.resource import ALL_TIME, RawSourceResource, raw_key
from nba_assets.storage.warehouse import Warehouse
from nba_assets.table_asset import history, rows_per_day, same_day, table_asset, window_dates
from nba_assets.windows import team_game_lineage

GROUP = "phase3_analytics"
ROSTER_LOOKBACK_DAYS = 30  # roster snapshots are taken on game days; a month always holds a team's latest
GAMEBOOK = "nbac_gamebook_player_stats"


@table_asset(SEASON_CALENDAR, group=GROUP, deps=[raw_key("nbac_schedule")],
             check_specs=[raw_contract_check_spec(SEASON_CALENDAR)])
def season_calendar(context: dg.AssetExecutionContext, raw: RawSourceResource):
    """Seasons, phases and All-Star breaks derived from the schedule; every in-season window reads its season start
    here. Built from the schedule rows that passed the raw contract: a refused row's day is quarantined in the daily
    tables, and flagged here as a warning."""
    reads = RawReads(raw, *ALL_TIME)
    frame = SEASON_CALENDAR.conform(build_season_calendar(reads.read("nbac_schedule")))
    yield dg.Output(frame, metadata={"seasons": dg.MetadataValue.md(frame.to_markdown(index=False))})
    problems = reads.problems
    yield dg.AssetCheckResult(
        check_name=RAW_CONTRACT.check, passed=problems.empty, severity=dg.AssetCheckSeverity.WARN,
        metadata={"refused_rows": len(problems),
                  "days": dg.MetadataValue.json(sorted(set(problems["game_date"].dt.strftime("%Y-%m-%d")))),
                  "problems": dg.MetadataValue.md(format_problems(problems, limit=20) or "none")})


def _raw_evidence(publication: Publication, reads: RawReads) -> dict[str, pd.DataFrame]:
    return {RAW_CONTRACT.check: reads.failing_rows(publication.days)}


def _box_score_inputs(reads: RawReads):
    schedule = reads.read("nbac_schedule")
    box, audit = box_scores.competitive_box_scores(schedule, reads.read(GAMEBOOK))
    return schedule, box, audit


def _missing_box_scores(audit: box_scores.BoxScoreAudit) -> pd.DataFrame:
    missing = audit.missing_box_scores
    return missing.assign(teams=missing["home_team_tricode"] + " vs " + missing["away_team_tricode"])[
        ["game_date", "game_id", "teams"]]


@table_asset(
    TEAM_OFFENSE_GAME_SUMMARY,
    group=GROUP,
    deps=[raw_key(t) for t in ("nbac_schedule", GAMEBOOK, "nbac_team_boxscore", "nbac_play_by_play")],
)
def team_offense_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse):
    publication = Publication(context, warehouse, TEAM_OFFENSE_GAME_SUMMARY)
    reads = RawReads(raw, *window_dates(context))
    schedule, box, audit = _box_score_inputs(reads)
    frame = box_scores.team_offense_game_summary(
        schedule, box, reads.read("nbac_team_boxscore"), reads.read("nbac_play_by_play"))
    final_team_games = team_games(final_games(schedule))
    yield from publication.publish(frame, Evidence(
        expected_rows=rows_per_day(final_team_games, "game_date"),
        failing_rows={**_raw_evidence(publication, reads), BOX_SCORES_COMPLETE.check: _missing_box_scores(audit),
                      SCORES_MATCH_SCHEDULE.check: box_scores.score_mismatches(final_team_games, frame)},
        raw_file=raw.location(GAMEBOOK)), metadata=audit.metadata())


@table_asset(TEAM_DEFENSE_GAME_SUMMARY, group=GROUP, ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)})
def team_defense_game_summary(context: dg.AssetExecutionContext, warehouse: Warehouse, team_offense: pd.DataFrame):
    publication = Publication(context, warehouse, TEAM_DEFENSE_GAME_SUMMARY)
    team_offense = publication.keep(team_offense)
    frame = box_scores.team_defense_game_summary(team_offense)
    yield from publication.publish(frame, Evidence(expected_rows=rows_per_day(team_offense, "game_date")))


@table_asset(
    PLAYER_GAME_SUMMARY,
    group=GROUP,
    ins={"team_offense": same_day(TEAM_OFFENSE_GAME_SUMMARY)},
    deps=[raw_key(t) for t in ("nbac_schedule", GAMEBOOK, "nbac_play_by_play", "odds_api_player_points_props")],
)
def player_game_summary(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse,
                        team_offense: pd.DataFrame):
    publication = Publication(context, warehouse, PLAYER_GAME_SUMMARY)
    reads = RawReads(raw, *window_dates(context))
    schedule, box, audit = _box_score_inputs(reads)
    box = publication.keep(box)
    frame = box_scores.player_game_summary(
        schedule, box, team_offense, reads.read("nbac_play_by_play"), reads.read("odds_api_player_points_props"))
    yield from publication.publish(frame, Evidence(
        expected_rows=rows_per_day(box, "game_date"),
        failing_rows={**_raw_evidence(publication, reads), BOX_SCORES_COMPLETE.check: _missing_box_scores(audit)},
        raw_file=raw.location(GAMEBOOK)), metadata=audit.metadata())


def _pregame_rosters(raw: RawSourceResource, reads: RawReads) -> pd.DataFrame | None:
    """Roster snapshots that can be a window day's latest, or None when the source has no rosters table."""
    if not raw.has_table("espn_team_rosters"):
        return None
    return reads.read("espn_team_rosters", reads.start - pd.Timedelta(days=ROSTER_LOOKBACK_DAYS), reads.end)


def season_schedule(reads: RawReads) -> pd.DataFrame:
    """The schedule of the run's days and of the history before them: what every window's span should hold."""
    return reads.read("nbac_schedule", reads.start - pd.Timedelta(days=HISTORY_DAYS), reads.end)


@table_asset(
    UPCOMING_TEAM_GAME_CONTEXT,
    group=GROUP,
    ins={"season_calendar": dg.AssetIn(key=SEASON_CALENDAR.asset_key),
         "team_history": history(TEAM_OFFENSE_GAME_SUMMARY, columns=upcoming.TEAM_CONTEXT_HISTORY)},
    deps=[raw_key(t) for t in ("nbac_schedule", "espn_team_rosters", "odds_api_game_lines", "nbac_injury_report")],
)
def upcoming_team_game_context(context: dg.AssetExecutionContext, raw: RawSourceResource, warehouse: Warehouse,
                               season_calendar: pd.DataFrame, team_history: pd.DataFrame):
    publication = Publication(context, warehouse, UPCOMING_TEAM_GAME_CONTEXT)
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
        *team_game_lineage(season_schedule(reads), team_history),
    )
    yield from publication.publish(frame, Evidence(
        expected_rows=rows_per_day(team_games(scheduled_games(schedule)), "game_date"),
        failing_rows=_raw_evidence(publication, reads)))


@table_asset(
    UPCOMING_PLAYER_GAME_CONTEXT,
    group=GROUP,
    ins={
        "season_calendar": dg.AssetIn(key=SEASON_CALENDAR.asset_key),
        "player_history": history(PLAYER_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_PLAYER_HISTORY),
        "team_history": history(TEAM_OFFENSE_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_TEAM_HISTORY),
        "defense_history": history(TEAM_DEFENSE_GAME_SUMMARY, columns=upcoming.PLAYER_CONTEXT_DEFENSE_HISTORY),
        "team_context": same_day(UPCOMING_TEAM_GAME_CONTEXT, columns=upcoming.PLAYER_CONTEXT_TEAM_CONTEXT),
    },
    deps=[raw_key(t) for t in ("nbac_schedule", "espn_team_rosters", "odds_api_player_points_props", "nbac_injury_report")],
)
def upcoming_player_game_context(
    context: dg.AssetExecutionContext,
    raw: RawSourceResource,
    warehouse: Warehouse,
    season_calendar: pd.DataFrame,
    player_history: pd.DataFrame,
    team_history: pd.DataFrame,
    defense_history: pd.DataFrame,
    team_context: pd.DataFrame,
):
    publication = Publication(context, warehouse, UPCOMING_PLAYER_GAME_CONTEXT)
    reads = RawReads(raw, *window_dates(context))
    as_of = run_as_of(context.run.tags)
    schedule = publication.keep(reads.read("nbac_schedule"))
    props = publication.keep(reads.read("odds_api_player_points_props"))
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
        *team_game_lineage(season_schedule(reads), player_history, team_history, defense_history),
    )
    conflicts, unrostered = upcoming.prop_lines_against_rosters(props, schedule, frame, as_of, reconstruction_lead())
    sources = frame["roster_source"].value_counts().to_dict() if len(frame) else {}
    yield from publication.publish(frame, Evidence(
        failing_rows={**_raw_evidence(publication, reads), PROP_LINES_MATCH_ROSTERS.check: conflicts},
        flags={PROP_LINES_MATCH_ROSTERS.check: {
            "prop_lines_without_rostered_player": len(unrostered),
            "examples_without_rostered_player": unrostered.head(20).astype(str).to_dict("records")}}),
        metadata={"roster_sources": dg.MetadataValue.json(sources)})


PHASE3_ASSETS = [
    season_calendar,
    team_offense_game_summary,
    team_defense_game_summary,
    player_game_summary,
    upcoming_team_game_context,
    upcoming_player_game_context,
]
