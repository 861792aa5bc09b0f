"""One season end to end: schedule, in-season transactions, every game in date order, play-in and playoffs.

The result is a set of internal frames keyed by player index (names are attached when writing):
the schedule with results and listing times, player-game rows with the pre-game expectations the
markets need, shot events, injury-report listings and the morning roster of each team on game days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from simulated_league.calendar import (
    TEAM_CODES,
    TEAM_INDEX,
    add_postponed_game,
    build_all_star,
    build_preseason,
    build_regular_season,
    regular_season_dates,
    trade_deadline,
)
from simulated_league.games import MINUTES_BY_DEPTH, STAT_COLUMNS, GameResult, GameSimulator, TeamTraits
from simulated_league.players import MAX_ROSTER, Population
from simulated_league.postseason import Postseason, conference_standings, league_order

MIN_HEALTHY_PLAYERS = 13
POSTPONEMENT_NOTICE = pd.Timedelta(days=1)


@dataclasses.dataclass
class SeasonRecords:
    season: int
    schedule: pd.DataFrame
    player_games: pd.DataFrame
    shots: pd.DataFrame
    listings: pd.DataFrame
    rosters: pd.DataFrame


def _trade_days(season: int, rng: np.random.Generator) -> list[tuple[dt.date, int, int]]:
    """5-7 trades: three quarters in the eight days up to the deadline, the rest mid-December to January."""
    dates = regular_season_dates(season)
    deadline = trade_deadline(season)
    deadline_window = [d for d in dates if deadline - dt.timedelta(days=8) <= d <= deadline]
    winter_window = [d for d in dates if dt.date(season, 12, 15) <= d <= dt.date(season + 1, 1, 31)]
    trades = []
    for _ in range(int(rng.integers(5, 8))):
        window = deadline_window if rng.random() < 0.75 else winter_window
        team_a, team_b = rng.choice(len(TEAM_CODES), 2, replace=False)
        trades.append((window[int(rng.integers(len(window)))], int(team_a), int(team_b)))
    return sorted(trades)


class SeasonRunner:
    def __init__(self, season: int, population: Population, traits: TeamTraits, seed: int):
        self.season = season
        self.population = population
        self.traits = traits
        self.schedule_rng = np.random.default_rng([seed, season, 1])
        self.game_rng = np.random.default_rng([seed, season, 2])
        self.simulator = GameSimulator(population, traits, self.game_rng)
        self.results: list[tuple[str, dt.date, pd.Timestamp, GameResult]] = []
        self.roster_rows: list[tuple[dt.date, int, np.ndarray]] = []

    def run(self) -> SeasonRecords:
        rng = self.schedule_rng
        regular = add_postponed_game(build_regular_season(self.season, rng), self.season, rng)
        exhibitions = pd.concat([build_preseason(self.season, rng), build_all_star(self.season, rng)], ignore_index=True)
        trades = _trade_days(self.season, rng)
        regular = self._play_regular_season(regular, trades)
        over = regular.loc[regular["played"], "tipoff"].max()
        order = league_order(regular[regular["played"]], rng)
        rank = {int(team): position for position, team in enumerate(order)}
        postseason = Postseason(self.season, self._play_and_record, over, rank).run(conference_standings(order))
        postseason["home"] = [TEAM_CODES[t] for t in postseason["home_index"]]
        postseason["away"] = [TEAM_CODES[t] for t in postseason["away_index"]]
        exhibitions["played"] = True
        schedule = pd.concat([exhibitions, regular, postseason], ignore_index=True)
        schedule["season_year"] = self.season
        schedule["neutral"] = schedule["neutral"].astype("boolean").fillna(False).astype(bool)
        schedule["postponed"] = schedule["postponed"].astype("boolean").fillna(False).astype(bool)
        return SeasonRecords(
            season=self.season,
            schedule=self._attach_expectations(schedule),
            player_games=self._player_games(),
            shots=self._shots(),
            listings=self._listings(),
            rosters=self._rosters(),
        )

    def _play_regular_season(self, regular: pd.DataFrame, trades: list[tuple[dt.date, int, int]]) -> pd.DataFrame:
        regular = regular.sort_values(["tipoff", "game_id"], kind="stable").reset_index(drop=True)
        regular["played"] = ~regular["postponed"]
        postponed = regular["postponed"]
        notice = regular.loc[postponed, "tipoff"].iloc[0] - POSTPONEMENT_NOTICE
        regular["postponed_at"] = regular["tipoff"].where(postponed) - POSTPONEMENT_NOTICE
        makeup = regular["game_id"] == regular["game_id"].max()
        regular["listed_at"] = pd.Series(notice, index=regular.index).where(makeup)
        home_scores, away_scores = {}, {}
        playable = regular[regular["played"]]
        for day, games in playable.groupby("game_date", sort=True):
            self._transactions([t for t in trades if t[0] == day])
            for game in games.itertuples():
                home_scores[game.game_id], away_scores[game.game_id] = self._play_and_record(
                    TEAM_INDEX[game.home], TEAM_INDEX[game.away], day, game.game_id, game.tipoff, game.neutral
                )
        regular["home_score"] = regular["game_id"].map(home_scores)
        regular["away_score"] = regular["game_id"].map(away_scores)
        regular["home_index"] = regular["home"].map(TEAM_INDEX)
        regular["away_index"] = regular["away"].map(TEAM_INDEX)
        return regular

    def _transactions(self, trades: list[tuple[dt.date, int, int]]) -> None:
        """Trades agreed for today, then hardship signings for teams short of healthy players."""
        population = self.population
        for _, team_a, team_b in trades:
            population.trade(team_a, team_b)
        for team in range(len(TEAM_CODES)):
            roster = population.roster(team)
            healthy = int((population.injury_games_left[roster] == 0).sum())
            if healthy < MIN_HEALTHY_PLAYERS and len(roster) < MAX_ROSTER:
                population.sign_free_agent(team)

    def _play_and_record(
        self, home: int, away: int, day: dt.date, game_id: str, tipoff: pd.Timestamp, neutral: bool = False
    ) -> tuple[int, int]:
        for team in (home, away):
            self.roster_rows.append((day, team, self.population.roster(team)))
        result = self.simulator.play(home, away, day.toordinal(), neutral)
        self.results.append((game_id, day, tipoff, result))
        return result.home_points, result.away_points

    def _attach_expectations(self, schedule: pd.DataFrame) -> pd.DataFrame:
        expected = pd.DataFrame(
            [(gid, r.expected_home_points, r.expected_away_points) for gid, _, _, r in self.results],
            columns=["game_id", "expected_home_points", "expected_away_points"],
        )
        return schedule.merge(expected, on="game_id", how="left")

    def _game_columns(self, counts: list[int]) -> dict[str, np.ndarray]:
        return {
            "game_id": np.repeat([gid for gid, _, _, _ in self.results], counts),
            "game_date": np.repeat(np.array([day for _, day, _, _ in self.results], dtype=object), counts),
            "tipoff": np.repeat(pd.DatetimeIndex([tip for _, _, tip, _ in self.results]), counts),
        }

    def _player_games(self) -> pd.DataFrame:
        boxes = [box for _, _, _, result in self.results for box in result.boxes]
        frame = pd.DataFrame(self._game_columns([sum(len(b.players) for b in r.boxes) for _, _, _, r in self.results]))
        frame["player"] = np.concatenate([b.players for b in boxes])
        frame["team"] = np.repeat([b.team for b in boxes], [len(b.players) for b in boxes])
        frame["team_abbr"] = np.array(TEAM_CODES)[frame["team"].to_numpy()]
        frame["status"] = np.concatenate([b.status for b in boxes])
        frame["reason"] = np.concatenate([b.reason for b in boxes])
        frame["seconds"] = np.concatenate([b.seconds for b in boxes])
        stats = np.concatenate([b.stats for b in boxes])
        for column, name in enumerate(STAT_COLUMNS):
            frame[name] = stats[:, column]
        frame["plus_minus"] = np.concatenate([b.plus_minus for b in boxes])
        frame["expected_minutes"] = np.concatenate([b.expected_minutes for b in boxes])
        frame["expected_points"] = np.concatenate([b.expected_points for b in boxes])
        return frame

    def _shots(self) -> pd.DataFrame:
        results = [r for _, _, _, r in self.results]
        frame = pd.DataFrame(self._game_columns([len(r.shot_player) for r in results]))
        frame["player"] = np.concatenate([r.shot_player for r in results])
        frame["team_abbr"] = np.array(TEAM_CODES)[np.concatenate([r.shot_team for r in results])]
        frame["zone"] = np.concatenate([r.shot_zone for r in results])
        frame["made"] = np.concatenate([r.shot_made for r in results])
        return frame

    def _listings(self) -> pd.DataFrame:
        rows = [
            (gid, day, tipoff, item.player, item.team, item.reason, item.day_before, item.morning, item.pregame, item.after_tipoff)
            for gid, day, tipoff, result in self.results
            for item in result.listings
        ]
        return pd.DataFrame(
            rows,
            columns=["game_id", "game_date", "tipoff", "player", "team", "reason", "day_before", "morning", "pregame", "after_tipoff"],
        )

    def _rosters(self) -> pd.DataFrame:
        counts = [len(players) for _, _, players in self.roster_rows]
        frame = pd.DataFrame(
            {
                "roster_date": np.repeat(np.array([day for day, _, _ in self.roster_rows], dtype=object), counts),
                "team": np.repeat([team for _, team, _ in self.roster_rows], counts),
                "player": np.concatenate([players for _, _, players in self.roster_rows]),
            }
        )
        return frame


def simulate_seasons(seasons: list[int], seed: int) -> tuple[list[SeasonRecords], Population]:
    """Seasons in order with one persistent population and evolving team traits."""
    population = Population(np.random.default_rng([seed, 0]))
    traits = TeamTraits.draw(np.random.default_rng([seed, 0, 1]), len(TEAM_CODES))
    records = []
    for position, season in enumerate(seasons):
        if position == 0:
            population.create_league(len(TEAM_CODES))
        else:
            population.start_new_season(len(TEAM_CODES))
            traits = traits.next_season(np.random.default_rng([seed, season, 0]))
        population.calibrate_league(len(TEAM_CODES), MINUTES_BY_DEPTH)
        records.append(SeasonRunner(season, population, traits, seed).run())
    return records, population


