"""The NBA calendar, derived from the schedule rather than hard-coded per season.

Game phases come from the schedule flags; season starts, ends, play-in, playoffs and the All-Star break come
from the dates of each season's games. Tip-off comes from game_start_time_utc, or, when the source has no
tip-off times, 12:00 US Eastern on the game date: the earliest regular NBA tip-off, so that "known before
tip-off" never admits information from after a real tip-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nba_assets.storage.schema import BOOL, DATE, INT64, STRING, TableSchema, col
from nba_assets.teams import NBA_TEAMS

PRESEASON, REGULAR_SEASON, ALL_STAR, PLAY_IN, PLAYOFFS = "preseason", "regular_season", "all_star", "play_in", "playoffs"
COMPETITIVE_PHASES = (REGULAR_SEASON, PLAY_IN, PLAYOFFS)
ASSUMED_TIPOFF_HOUR_ET = 12
FINAL = 3


def season_label(season_year: int) -> str:
    return f"{season_year}-{(season_year + 1) % 100:02d}"


def game_phase(schedule: pd.DataFrame) -> pd.Series:
    """preseason / regular_season / all_star / play_in / playoffs for each schedule row.

    Play-in: the is_play_in column when the source has it, else NBA.com ids whose type digit is 5.
    """
    play_in = schedule["is_play_in"].fillna(False).astype(bool)
    if not schedule["is_play_in"].notna().any():
        play_in = schedule["game_id"].astype(str).str.slice(2, 3).eq("5")
    phase = np.select(
        [
            schedule["is_all_star"].astype(bool),
            schedule["is_regular_season"].astype(bool),
            schedule["is_playoffs"].astype(bool) & play_in,
            schedule["is_playoffs"].astype(bool),
        ],
        [ALL_STAR, REGULAR_SEASON, PLAY_IN, PLAYOFFS],
        default=PRESEASON,
    )
    return pd.Series(phase, index=schedule.index, dtype="string")


def is_exhibition(schedule: pd.DataFrame) -> pd.Series:
    """Games that are not NBA competition: preseason, All-Star, or any team outside the 30 franchises."""
    nba = schedule["home_team_tricode"].isin(NBA_TEAMS) & schedule["away_team_tricode"].isin(NBA_TEAMS)
    return ~(game_phase(schedule).isin(COMPETITIVE_PHASES) & nba)


def scheduled_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """Competitive games that are on the schedule for their date (not postponed), whatever their status."""
    postponed = schedule["is_postponed"].fillna(False).astype(bool)
    games = schedule[~is_exhibition(schedule) & ~postponed].copy()
    games["season_phase"] = game_phase(games)
    games["tipoff_utc"], games["tipoff_source"] = tipoff_utc(games)
    return games.reset_index(drop=True)


def final_games(schedule: pd.DataFrame) -> pd.DataFrame:
    """Competitive Final games: the games whose box scores every table is expected to cover."""
    games = scheduled_games(schedule)
    return games[games["game_status"] == FINAL].reset_index(drop=True)


def tipoff_utc(schedule: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    assumed = (
        (pd.to_datetime(schedule["game_date"]) + pd.Timedelta(hours=ASSUMED_TIPOFF_HOUR_ET))
        .dt.tz_localize("America/New_York")
        .dt.tz_convert("UTC")
    )
    known = schedule["game_start_time_utc"].notna()
    tipoff = schedule["game_start_time_utc"].where(known, assumed)
    source = pd.Series(np.where(known, "schedule", "assumed_noon_et"), index=schedule.index, dtype="string")
    return tipoff, source


def team_games(games: pd.DataFrame) -> pd.DataFrame:
    """Two rows per game: one from each team's point of view."""
    base = ["game_id", "game_date", "season_year"] + [c for c in ("season_phase", "tipoff_utc", "tipoff_source") if c in games]
    home = games[base].assign(
        team_abbr=games["home_team_tricode"], opponent_team_abbr=games["away_team_tricode"], home_game=True,
        team_score=games["home_team_score"], opponent_score=games["away_team_score"],
    )
    away = games[base].assign(
        team_abbr=games["away_team_tricode"], opponent_team_abbr=games["home_team_tricode"], home_game=False,
        team_score=games["away_team_score"], opponent_score=games["home_team_score"],
    )
    neutral = games["is_neutral_site"].fillna(False).astype(bool)
    home["is_neutral_site"] = neutral.to_numpy()
    away["is_neutral_site"] = neutral.to_numpy()
    return pd.concat([home, away], ignore_index=True).sort_values(["game_date", "game_id", "home_game"]).reset_index(drop=True)


SEASON_CALENDAR = TableSchema(
    dataset="nba_analytics",
    name="season_calendar",
    date_column="regular_season_start",
    key=("season_year",),
    description="One row per season, derived from the schedule: phases, their dates and the All-Star break.",
    partitioned=False,
    columns=(
        col("season_year", INT64, "starting year of the season", nullable=False),
        col("season_label", STRING, "e.g. 2021-22", nullable=False),
        col("preseason_start", DATE, "first preseason game, NULL when the schedule has none"),
        col("regular_season_start", DATE, "first regular-season game", nullable=False),
        col("regular_season_end", DATE, "last regular-season game", nullable=False),
        col("all_star_break_start", DATE, "first day of the mid-season break without regular-season games"),
        col("all_star_break_end", DATE, "last day of that break"),
        col("play_in_start", DATE),
        col("play_in_end", DATE),
        col("playoffs_start", DATE),
        col("playoffs_end", DATE),
        col("regular_season_games", INT64, nullable=False),
        col("regular_season_game_dates", INT64, nullable=False),
        col("play_in_games", INT64, nullable=False),
        col("playoff_games", INT64, nullable=False),
        col("exhibition_games", INT64, "preseason, All-Star and non-NBA-team games (never expected)", nullable=False),
        col("schedule_complete", BOOL, "every competitive game of the season is Final", nullable=False),
    ),
)


def build_season_calendar(schedule: pd.DataFrame) -> pd.DataFrame:
    """One row per season with a regular season in the schedule."""
    frame = schedule.assign(season_phase=game_phase(schedule), exhibition=is_exhibition(schedule))
    postponed = frame["is_postponed"].fillna(False).astype(bool)
    rows = []
    for season_year, games in frame.groupby("season_year", sort=True):
        regular = games[(games["season_phase"] == REGULAR_SEASON) & ~games["exhibition"] & ~postponed.loc[games.index]]
        if regular.empty:
            continue
        competitive = games[~games["exhibition"] & ~postponed.loc[games.index]]
        phase_dates = {p: games.loc[(games["season_phase"] == p) & ~games["exhibition"], "game_date"] for p in (PLAY_IN, PLAYOFFS)}
        preseason = games.loc[games["season_phase"] == PRESEASON, "game_date"]
        break_start, break_end = _all_star_break(regular["game_date"], games.loc[games["season_phase"] == ALL_STAR, "game_date"])
        rows.append(
            {
                "season_year": int(season_year),
                "season_label": season_label(int(season_year)),
                "preseason_start": preseason.min() if len(preseason) else pd.NaT,
                "regular_season_start": regular["game_date"].min(),
                "regular_season_end": regular["game_date"].max(),
                "all_star_break_start": break_start,
                "all_star_break_end": break_end,
                "play_in_start": phase_dates[PLAY_IN].min() if len(phase_dates[PLAY_IN]) else pd.NaT,
                "play_in_end": phase_dates[PLAY_IN].max() if len(phase_dates[PLAY_IN]) else pd.NaT,
                "playoffs_start": phase_dates[PLAYOFFS].min() if len(phase_dates[PLAYOFFS]) else pd.NaT,
                "playoffs_end": phase_dates[PLAYOFFS].max() if len(phase_dates[PLAYOFFS]) else pd.NaT,
                "regular_season_games": len(regular),
                "regular_season_game_dates": regular["game_date"].nunique(),
                "play_in_games": len(phase_dates[PLAY_IN]),
                "playoff_games": len(phase_dates[PLAYOFFS]),
                "exhibition_games": int(games["exhibition"].sum()),
                "schedule_complete": bool((competitive["game_status"] == FINAL).all()),
            }
        )
    return pd.DataFrame(rows, columns=SEASON_CALENDAR.column_names)


def _all_star_break(regular_dates: pd.Series, all_star_dates: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The gap between consecutive regular-season game dates that holds the All-Star games, or, when the
    schedule lists none, the longest gap of at least 4 days. NaT when neither exists."""
    days = pd.Series(sorted(pd.to_datetime(regular_dates).unique()))
    if len(days) < 2:
        return pd.NaT, pd.NaT
    gaps = pd.DataFrame({"before": days[:-1].to_numpy(), "after": days[1:].to_numpy()})
    gaps["length"] = (gaps["after"] - gaps["before"]).dt.days
    chosen = None
    for all_star_day in pd.to_datetime(all_star_dates):
        holding = gaps[(gaps["before"] < all_star_day) & (gaps["after"] > all_star_day)]
        if len(holding):
            chosen = holding.iloc[0]
            break
    if chosen is None:
        longest = gaps.loc[gaps["length"].idxmax()]
        if longest["length"] < 4:
            return pd.NaT, pd.NaT
        chosen = longest
    return chosen["before"] + pd.Timedelta(days=1), chosen["after"] - pd.Timedelta(days=1)



def with_season_start(rows: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """Attach the regular-season start of each row's season_year (the floor of every in-season window)."""
    starts = calendar[["season_year", "regular_season_start"]].rename(columns={"regular_season_start": "season_start"})
    out = rows.merge(starts, on="season_year", how="left")
    unknown = out["season_start"].isna()
    if unknown.any():
        raise ValueError(f"season_calendar has no season {sorted(out.loc[unknown, 'season_year'].unique())}; "
                         "materialize nba_analytics/season_calendar")
    return out
