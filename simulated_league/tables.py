"""Internal season records -> the contract tables, each row with the moment it became known.

Every table carries KNOWN_AT (UTC): box score, team box score and play-by-play rows at the game's end
(tip-off + 2 h 30 m), snapshots at the moment they were taken. A schedule row is a state that changes, so a
game has one row per version, each also with SUPERSEDED_AT: scheduled (status 1) from its listing, in
progress (status 2, no scores) from tip-off, Final (status 3, scores) from the game's end; the postponed
game turns is_postponed from the day before its original tip-off; postseason games are listed once their
matchup is known, and "if necessary" games are delisted once their series is decided.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulated_league.games import ACTIVE, DNP, INACTIVE, STAT_COLUMNS, THREE, PAINT
from simulated_league.players import Population

GAME_LENGTH = pd.Timedelta(hours=2, minutes=30)
KNOWN_AT = "known_at"
SUPERSEDED_AT = "superseded_at"
ALWAYS = pd.Timestamp("1900-01-01", tz="UTC")  # listed before any moment anyone looks
MMSS_SHARE = 0.10
NULL_DISTANCE_SHARE = 0.005
PLAYER_STATUS = {ACTIVE: "active", DNP: "dnp", INACTIVE: "inactive"}

# Shot distances in whole feet: paint 0-8 (mostly at the rim), mid-range 9-21, threes 22 (corner) or 24-30.
PAINT_FEET, PAINT_WEIGHTS = np.arange(0, 9), np.array([14, 18, 16, 10, 9, 8, 8, 9, 8], dtype=float)
THREE_FEET, THREE_WEIGHTS = np.array([22, 24, 25, 26, 27, 28, 29, 30]), np.array([25, 30, 22, 11, 6, 3, 2, 1], dtype=float)


def game_end(tipoff: pd.Series) -> pd.Series:
    return tipoff + GAME_LENGTH


def schedule_versions(schedule: pd.DataFrame) -> pd.DataFrame:
    """Every version of every game's schedule row, with when it became known and when it was superseded."""
    listed_at = pd.to_datetime(schedule["listed_at"], utc=True).fillna(ALWAYS)
    delisted_at = pd.to_datetime(schedule["delisted_at"], utc=True)
    postponed_at = pd.to_datetime(schedule["postponed_at"], utc=True)
    played = schedule["played"].astype(bool)
    postponed = schedule["postponed"].astype(bool)
    tipoff = schedule["tipoff"]
    never = pd.Series(pd.NaT, index=schedule.index, dtype=tipoff.dtype)
    # (rows, status, scores shown, is_postponed, known from, superseded at)
    versions = [
        (pd.Series(True, index=schedule.index), 1, False, False, listed_at, tipoff.where(played, postponed_at)),
        (postponed, 1, False, True, postponed_at, never),
        (played, 2, False, False, tipoff, game_end(tipoff)),
        (played, 3, True, False, game_end(tipoff), never),
    ]
    frames = []
    for order, (rows, status, scored, is_postponed, known, superseded) in enumerate(versions):
        games = schedule[rows]
        kind = games["kind"]
        ends = superseded[rows]
        delisted = delisted_at[rows]
        frames.append(pd.DataFrame(
            {
                "game_id": games["game_id"],
                "game_date": games["game_date"],
                "season_year": games["season_year"].astype("int64"),
                "home_team_tricode": games["home"],
                "away_team_tricode": games["away"],
                "game_status": np.int64(status),
                "is_regular_season": kind == "regular",
                "is_playoffs": kind.isin(["play_in", "playoffs"]),
                "is_all_star": kind == "all_star",
                "home_team_score": (games["home_score"] if scored else pd.Series(pd.NA, index=games.index)).astype("Int64"),
                "away_team_score": (games["away_score"] if scored else pd.Series(pd.NA, index=games.index)).astype("Int64"),
                "game_start_time_utc": games["tipoff"],
                "is_play_in": kind == "play_in",
                "is_postponed": is_postponed,
                "is_neutral_site": games["neutral"].astype(bool),
                KNOWN_AT: known[rows],
                SUPERSEDED_AT: ends.where(ends.notna() & (delisted.isna() | (ends < delisted)), delisted),
                "_game": games.index,
                "_version": order,
            }
        ))
    frame = pd.concat(frames).sort_values(["_game", "_version"], kind="stable")
    return frame.drop(columns=["_game", "_version"]).reset_index(drop=True)


def _minutes_text(seconds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Decimal minutes ("31.25") for most rows, "MM:SS" for about 10 %."""
    mmss = rng.random(len(seconds)) < MMSS_SHARE
    decimal = np.char.mod("%.2f", seconds / 60.0)
    clock = np.char.add(np.char.add(np.char.mod("%d", seconds // 60), ":"), np.char.zfill(np.char.mod("%d", seconds % 60), 2))
    return np.where(mmss, clock, decimal)


def gamebook_table(player_games: pd.DataFrame, population: Population, rng: np.random.Generator) -> pd.DataFrame:
    active = player_games["status"].to_numpy() == ACTIVE
    minutes = np.where(active, _minutes_text(player_games["seconds"].to_numpy(), rng), None)
    players = player_games["player"].to_numpy()
    frame = pd.DataFrame(
        {
            "game_id": player_games["game_id"].to_numpy(),
            "game_date": player_games["game_date"].to_numpy(),
            "player_lookup": np.array(population.lookup, dtype=object)[players],
            "player_full_name": np.array(population.full_name, dtype=object)[players],
            "team_abbr": player_games["team_abbr"].to_numpy(),
            "player_status": [PLAYER_STATUS[s] for s in player_games["status"].to_numpy()],
            "minutes": minutes,
        }
    )
    for name in STAT_COLUMNS:
        frame[name] = pd.array(np.where(active, player_games[name].to_numpy(), 0), dtype="Int64")
        frame.loc[~active, name] = pd.NA
    frame["plus_minus"] = pd.array(player_games["plus_minus"].to_numpy(), dtype="Int64")
    frame.loc[~active, "plus_minus"] = pd.NA
    frame["dnp_reason"] = np.where(active, None, player_games["reason"].to_numpy())
    frame[KNOWN_AT] = game_end(player_games["tipoff"]).to_numpy()
    return frame


TEAM_BOX_COLUMNS = {
    "field_goals_made": "fg_made",
    "field_goals_attempted": "fg_attempted",
    "three_pointers_made": "three_pt_made",
    "three_pointers_attempted": "three_pt_attempted",
    "free_throws_made": "ft_made",
    "free_throws_attempted": "ft_attempted",
    "offensive_rebounds": "offensive_rebounds",
    "defensive_rebounds": "defensive_rebounds",
    "assists": "assists",
    "steals": "steals",
    "blocks": "blocks",
    "turnovers": "turnovers",
    "personal_fouls": "personal_fouls",
    "points": "points",
}


def team_box_table(player_games: pd.DataFrame) -> pd.DataFrame:
    """Sums of the player rows; minutes as the team's player-minutes "240:00" / "265:00"."""
    active = player_games[player_games["status"] == ACTIVE]
    grouped = active.groupby(["game_id", "team_abbr"], sort=False)
    totals = grouped[list(TEAM_BOX_COLUMNS)].sum().rename(columns=TEAM_BOX_COLUMNS)
    seconds = grouped["seconds"].sum()
    totals.insert(0, "minutes", [f"{s // 60}:{s % 60:02d}" for s in seconds.to_numpy()])
    totals.insert(0, "game_date", grouped["game_date"].first())
    totals[KNOWN_AT] = game_end(grouped["tipoff"].first())
    return totals.reset_index()[["game_id", "game_date", "team_abbr", "minutes", *TEAM_BOX_COLUMNS.values(), KNOWN_AT]]


def play_by_play_table(shots: pd.DataFrame, population: Population, rng: np.random.Generator) -> pd.DataFrame:
    zone = shots["zone"].to_numpy()
    count = len(zone)
    distance = rng.integers(9, 22, count).astype(float)
    paint, three = zone == PAINT, zone == THREE
    distance[paint] = rng.choice(PAINT_FEET, paint.sum(), p=PAINT_WEIGHTS / PAINT_WEIGHTS.sum())
    distance[three] = rng.choice(THREE_FEET, three.sum(), p=THREE_WEIGHTS / THREE_WEIGHTS.sum())
    # A few mid-range shots lose their coordinates, as in real feeds.
    distance[~paint & ~three & (rng.random(count) < NULL_DISTANCE_SHARE)] = np.nan
    return pd.DataFrame(
        {
            "game_id": shots["game_id"].to_numpy(),
            "game_date": shots["game_date"].to_numpy(),
            "player_lookup": np.array(population.lookup, dtype=object)[shots["player"].to_numpy()],
            "team_abbr": shots["team_abbr"].to_numpy(),
            "shot_type": np.where(three, "3PT", "2PT"),
            "shot_distance": distance,
            "shot_made": shots["made"].to_numpy().astype(bool),
            KNOWN_AT: game_end(shots["tipoff"]).to_numpy(),
        }
    )
