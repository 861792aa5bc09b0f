"""Play-in tournament and best-of-seven playoffs, decided by simulated games.

Play-in (ids 005YY00xxx): the Tuesday and Wednesday after the regular season, 7 v 8 and 9 v 10 per
conference; on Friday the loser of 7 v 8 hosts the winner of 9 v 10 for the 8th seed. Playoffs
(ids 004YY00RSG: round R, series S, game G) start on Saturday, four rounds, 2-2-1-1-1 home format.
Every series is scheduled with all seven dates; games that turn out unnecessary are listed only
while the series is undecided (see `listed_at` / `delisted_at`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from simulated_league.calendar import TEAM_CODES, TEAM_CONFERENCE, game_id, postseason_tipoff, regular_season_end

SERIES_GAME_OFFSETS = (0, 2, 5, 7, 9, 11, 13)
HIGHER_SEED_HOSTS = (True, True, False, False, True, False, True)
ANNOUNCE_DELAY = pd.Timedelta(hours=3)

# play(home, away, day, game_id, tipoff) -> (home points, away points); simulates and records the game.
PlayGame = Callable[[int, int, dt.date, str, pd.Timestamp], tuple[int, int]]


def league_order(results: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Team indices, best first: wins, then point differential, then a coin flip."""
    wins = np.zeros(len(TEAM_CODES))
    differential = np.zeros(len(TEAM_CODES))
    home_won = results["home_score"].to_numpy() > results["away_score"].to_numpy()
    margin = results["home_score"].to_numpy() - results["away_score"].to_numpy()
    home = results["home_index"].to_numpy()
    away = results["away_index"].to_numpy()
    np.add.at(wins, home, home_won)
    np.add.at(wins, away, ~home_won)
    np.add.at(differential, home, margin)
    np.add.at(differential, away, -margin)
    coin = rng.random(len(TEAM_CODES))
    return np.lexsort((coin, -differential, -wins))


def conference_standings(order: np.ndarray) -> dict[str, list[int]]:
    return {
        conference: [int(t) for t in order if TEAM_CONFERENCE[TEAM_CODES[t]] == conference]
        for conference in ("East", "West")
    }


class Postseason:
    """Schedules and plays the play-in and playoffs; collects the schedule rows."""

    def __init__(self, season: int, play: PlayGame, regular_season_over: pd.Timestamp, league_rank: dict[int, int]):
        self.season = season
        self.league_rank = league_rank
        self.play = play
        self.regular_season_over = regular_season_over
        self.rows: list[dict] = []
        self._slots: dict[dt.date, int] = {}

    def _tipoff(self, day: dt.date) -> pd.Timestamp:
        slot = self._slots.get(day, 0)
        self._slots[day] = slot + 1
        return postseason_tipoff(day, slot)

    def _play(self, home: int, away: int, day: dt.date, gid: str, listed_at: pd.Timestamp, play_in: bool) -> tuple[int, pd.Timestamp]:
        tipoff = self._tipoff(day)
        home_points, away_points = self.play(home, away, day, gid, tipoff)
        self.rows.append(
            {
                "game_id": gid, "game_date": day, "home_index": home, "away_index": away, "tipoff": tipoff,
                "kind": "play_in" if play_in else "playoffs", "home_score": home_points, "away_score": away_points,
                "played": True, "listed_at": listed_at, "delisted_at": pd.NaT,
            }
        )
        return (home if home_points > away_points else away), tipoff

    def run(self, standings: dict[str, list[int]]) -> pd.DataFrame:
        seeds = self._play_in(standings)
        self._playoffs(seeds)
        return pd.DataFrame(self.rows)

    def _play_in(self, standings: dict[str, list[int]]) -> dict[str, list[int]]:
        end = regular_season_end(self.season)
        seeds: dict[str, list[int]] = {}
        last_tip: list[pd.Timestamp] = []
        for number, conference in enumerate(("East", "West")):
            order = standings[conference]
            first_day = end + dt.timedelta(days=2 + number)
            sequence = 100 + 2 * number
            listed = self.regular_season_over + ANNOUNCE_DELAY
            winner_78, tip_a = self._play(order[6], order[7], first_day, game_id(5, self.season, sequence + 1), listed, True)
            loser_78 = order[7] if winner_78 == order[6] else order[6]
            winner_910, tip_b = self._play(order[8], order[9], first_day, game_id(5, self.season, sequence + 2), listed, True)
            listed_final = max(tip_a, tip_b) + ANNOUNCE_DELAY
            final_day = end + dt.timedelta(days=5)
            winner_8, tip_c = self._play(loser_78, winner_910, final_day, game_id(5, self.season, 201 + number), listed_final, True)
            seeds[conference] = [*order[:6], winner_78, winner_8]
            last_tip.append(tip_c)
        self.play_in_over = max(last_tip)
        return seeds

    def _series(self, high: int, low: int, start: dt.date, round_number: int, series: int, listed_at: pd.Timestamp) -> tuple[int, pd.Timestamp, dt.date]:
        """Best of seven; returns winner, the last game's tip-off and date."""
        wins = {high: 0, low: 0}
        unplayed: list[tuple[int, dt.date, int, int]] = []
        last_tip, last_day = listed_at, start
        for game_number, (offset, high_hosts) in enumerate(zip(SERIES_GAME_OFFSETS, HIGHER_SEED_HOSTS, strict=True), start=1):
            day = start + dt.timedelta(days=offset)
            home, away = (high, low) if high_hosts else (low, high)
            gid = game_id(4, self.season, 100 * round_number + 10 * series + game_number)
            if max(wins.values()) == 4:
                unplayed.append((game_number, day, home, away))
                continue
            winner, last_tip = self._play(home, away, day, gid, listed_at, False)
            wins[winner] += 1
            last_day = day
        for game_number, day, home, away in unplayed:
            self.rows.append(
                {
                    "game_id": game_id(4, self.season, 100 * round_number + 10 * series + game_number),
                    "game_date": day, "home_index": home, "away_index": away, "tipoff": self._tipoff(day),
                    "kind": "playoffs", "home_score": None, "away_score": None, "played": False,
                    "listed_at": listed_at, "delisted_at": last_tip + ANNOUNCE_DELAY,
                }
            )
        winner = high if wins[high] == 4 else low
        return winner, last_tip, last_day

    def _playoffs(self, seeds: dict[str, list[int]]) -> None:
        first_day = regular_season_end(self.season) + dt.timedelta(days=6)
        listed = self.play_in_over + ANNOUNCE_DELAY
        rank = {team: position for conference in seeds.values() for position, team in enumerate(conference)}
        survivors: list[tuple[int, pd.Timestamp, dt.date]] = []
        for number, conference in enumerate(("East", "West")):
            s = seeds[conference]
            for pair, (high, low) in enumerate(((s[0], s[7]), (s[3], s[4]), (s[2], s[5]), (s[1], s[6]))):
                series = 4 * number + pair
                start = first_day + dt.timedelta(days=series % 2)
                survivors.append(self._series(high, low, start, 1, series, listed))
        for round_number in (2, 3):
            next_round = []
            for series in range(len(survivors) // 2):
                a, b = survivors[2 * series], survivors[2 * series + 1]
                high, low = sorted((a[0], b[0]), key=lambda team: rank[team])
                start = max(a[2], b[2]) + dt.timedelta(days=2)
                next_round.append(self._series(high, low, start, round_number, series, max(a[1], b[1]) + ANNOUNCE_DELAY))
            survivors = next_round
        (east, east_tip, east_day), (west, west_tip, west_day) = survivors
        high, low = sorted((east, west), key=lambda team: self.league_rank[team])
        start = max(east_day, west_day) + dt.timedelta(days=3)
        self._series(high, low, start, 4, 0, max(east_tip, west_tip) + ANNOUNCE_DELAY)
