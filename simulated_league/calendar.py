"""Season calendar: date rules, the regular-season schedule, exhibitions and tip-off times.

Date rules (they reproduce every real season 2021-22 to 2025-26):
- opening night is the Tuesday that falls on October 18-24 of the starting year;
- the regular season ends on the second Sunday of April;
- All-Star Sunday is the third Sunday of February; the break runs Friday before to Wednesday after;
- the trade deadline is the Thursday ten days before All-Star Sunday.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from nba_assets.teams import NBA_TEAMS

EASTERN = ZoneInfo("America/New_York")

TEAM_CODES: tuple[str, ...] = tuple(sorted(NBA_TEAMS))
TEAM_INDEX: dict[str, int] = {code: i for i, code in enumerate(TEAM_CODES)}

DIVISIONS: dict[str, tuple[str, ...]] = {
    "Atlantic": ("BKN", "BOS", "NYK", "PHI", "TOR"),
    "Central": ("CHI", "CLE", "DET", "IND", "MIL"),
    "Southeast": ("ATL", "CHA", "MIA", "ORL", "WAS"),
    "Northwest": ("DEN", "MIN", "OKC", "POR", "UTA"),
    "Pacific": ("GSW", "LAC", "LAL", "PHX", "SAC"),
    "Southwest": ("DAL", "HOU", "MEM", "NOP", "SAS"),
}
CONFERENCES: dict[str, tuple[str, ...]] = {
    "East": ("Atlantic", "Central", "Southeast"),
    "West": ("Northwest", "Pacific", "Southwest"),
}
TEAM_CONFERENCE: dict[str, str] = {
    team: conference for conference, divisions in CONFERENCES.items() for d in divisions for team in DIVISIONS[d]
}

TEAM_TIME_ZONES: dict[str, str] = {
    **dict.fromkeys(("ATL", "BKN", "BOS", "CHA", "CLE", "DET", "IND", "MIA", "NYK", "ORL", "PHI", "TOR", "WAS"), "America/New_York"),
    **dict.fromkeys(("CHI", "DAL", "HOU", "MEM", "MIL", "MIN", "NOP", "OKC", "SAS"), "America/Chicago"),
    **dict.fromkeys(("DEN", "UTA"), "America/Denver"),
    "PHX": "America/Phoenix",
    **dict.fromkeys(("GSW", "LAC", "LAL", "POR", "SAC"), "America/Los_Angeles"),
}

# Made-up codes that appear only in exhibition games (never regular season or postseason).
FOREIGN_CLUBS = ("ADL", "BAR", "IAH", "MRA", "NZB")
ALL_STAR_GAME_TEAMS = ("LBN", "DRT")
RISING_STARS_TEAMS = ("JAS", "WOR", "PAU", "GNS")

# Mean regular-season games per weekday (Mon..Sun) measured on 2021-22 and 2022-23.
WEEKDAY_GAME_WEIGHTS = np.array([8.2, 5.6, 10.0, 4.5, 9.7, 6.9, 7.4])
MAX_BACK_TO_BACKS = 16
TARGET_BACK_TO_BACKS = 13
PAIR_COOLDOWN_DAYS = 7


def season_name(season: int) -> str:
    return f"{season}-{(season + 1) % 100:02d}"


def current_season(day: dt.date) -> int:
    """The season under way or next up on `day`: from July 1 on, the one starting that autumn."""
    return day.year if day.month >= 7 else day.year - 1


def recent_seasons(day: dt.date, count: int = 2) -> list[int]:
    """The season under way (or next up) on `day` and the `count - 1` before it, oldest first."""
    current = current_season(day)
    return list(range(current - count + 1, current + 1))


def opening_night(season: int) -> dt.date:
    october_18 = dt.date(season, 10, 18)
    return october_18 + dt.timedelta(days=(1 - october_18.weekday()) % 7)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def regular_season_end(season: int) -> dt.date:
    return _nth_weekday(season + 1, 4, 6, 2)


def all_star_sunday(season: int) -> dt.date:
    return _nth_weekday(season + 1, 2, 6, 3)


def all_star_break(season: int) -> tuple[dt.date, dt.date]:
    sunday = all_star_sunday(season)
    return sunday - dt.timedelta(days=2), sunday + dt.timedelta(days=3)


def trade_deadline(season: int) -> dt.date:
    return all_star_sunday(season) - dt.timedelta(days=10)


def _no_game_days(season: int) -> set[dt.date]:
    """All-Star break, Thanksgiving and Christmas Eve."""
    first, last = all_star_break(season)
    days = {first + dt.timedelta(days=i) for i in range((last - first).days + 1)}
    days.add(_nth_weekday(season, 11, 3, 4))
    days.add(dt.date(season, 12, 24))
    return days


def regular_season_dates(season: int) -> list[dt.date]:
    start, end = opening_night(season), regular_season_end(season)
    excluded = _no_game_days(season)
    return [d for d in (start + dt.timedelta(days=i) for i in range((end - start).days + 1)) if d not in excluded]


def game_id(type_digit: int, season: int, sequence: int) -> str:
    return f"00{type_digit}{season % 100:02d}{sequence:05d}"


def eastern_to_utc(day: dt.date, hour: int, minute: int = 0) -> pd.Timestamp:
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)
    return pd.Timestamp(local).tz_convert("UTC")


def local_to_utc(day: dt.date, hour: int, minute: int, team: str) -> pd.Timestamp:
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TEAM_TIME_ZONES[team]))
    return pd.Timestamp(local).tz_convert("UTC")


def regular_season_matchups(season: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """The 1,230 (home, away) team-index pairs: NBA formula 4x division, 3-4x conference, 2x other conference.

    Each team meets 4 same-conference, other-division opponents three times; those sets form a
    10-cycle between every pair of divisions, oriented so every team hosts two of its four.
    """
    games: list[tuple[int, int]] = []
    idx = TEAM_INDEX

    def series(home: str, away: str, home_games: int, away_games: int) -> None:
        games.extend([(idx[home], idx[away])] * home_games + [(idx[away], idx[home])] * away_games)

    for division in DIVISIONS.values():
        for i, a in enumerate(division):
            for b in division[i + 1 :]:
                series(a, b, 2, 2)
    east = [t for d in CONFERENCES["East"] for t in DIVISIONS[d]]
    west = [t for d in CONFERENCES["West"] for t in DIVISIONS[d]]
    for a in east:
        for b in west:
            series(a, b, 1, 1)
    for divisions in CONFERENCES.values():
        shuffled = [[DIVISIONS[d][k] for k in rng.permutation(5)] for d in divisions]
        three_game: dict[tuple[str, str], str] = {}
        for first, second in ((0, 1), (1, 2), (2, 0)):
            a_div, b_div = shuffled[first], shuffled[second]
            for i in range(5):
                three_game[(a_div[i], b_div[i])] = a_div[i]
                three_game[(a_div[i], b_div[(i + 1) % 5])] = b_div[(i + 1) % 5]
        for pos_a, div_a in enumerate(shuffled):
            for div_b in shuffled[pos_a + 1 :]:
                for a in div_a:
                    for b in div_b:
                        extra_home = three_game.get((a, b)) or three_game.get((b, a))
                        if extra_home is None:
                            series(a, b, 2, 2)
                        elif extra_home == a:
                            series(a, b, 2, 1)
                        else:
                            series(b, a, 2, 1)
    return games


def _daily_targets(dates: list[dt.date], total_games: int, rng: np.random.Generator) -> np.ndarray:
    """Games wanted per date: weekday pattern, two games on opening night, every team on the final day."""
    weights = WEEKDAY_GAME_WEIGHTS[[d.weekday() for d in dates]] * rng.lognormal(0.0, 0.15, len(dates))
    targets = np.zeros(len(dates), dtype=int)
    targets[0], targets[-1] = 2, 15
    christmas = [i for i, d in enumerate(dates) if (d.month, d.day) == (12, 25)]
    fixed = [0, len(dates) - 1, *christmas]
    targets[christmas] = 5
    free = np.setdiff1d(np.arange(len(dates)), fixed)
    remaining = total_games - targets.sum()
    raw = weights[free] / weights[free].sum() * remaining
    targets[free] = np.clip(np.round(raw), 2, 14).astype(int)
    return targets


class _ScheduleState:
    """Per-team bookkeeping for the greedy date assignment."""

    def __init__(self, matchups: list[tuple[int, int]]):
        self.home = np.array([h for h, _ in matchups])
        self.away = np.array([a for _, a in matchups])
        self.day = np.full(len(matchups), -1)
        self.games_left = np.bincount(np.concatenate([self.home, self.away]), minlength=30)
        self.last_day = np.full(30, -100)
        self.previous_day = np.full(30, -100)
        self.back_to_backs = np.zeros(30, dtype=int)
        self.pair_last_day = np.full((30, 30), -100)
        self.played_on: list[set[int]] = [set() for _ in range(30)]

    def place(self, game: int, day: int) -> None:
        self.day[game] = day
        h, a = self.home[game], self.away[game]
        self.pair_last_day[h, a] = self.pair_last_day[a, h] = max(self.pair_last_day[h, a], day)
        for team in (h, a):
            self.games_left[team] -= 1
            self.played_on[team].add(day)
            if day - 1 in self.played_on[team] or day + 1 in self.played_on[team]:
                self.back_to_backs[team] += 1
            if day > self.last_day[team]:
                self.previous_day[team], self.last_day[team] = self.last_day[team], day

    def fits(self, team: int, day: int) -> bool:
        """Free that day and not creating three games on consecutive days."""
        days = self.played_on[team]
        if day in days:
            return False
        return not (
            (day - 1 in days and day - 2 in days)
            or (day - 1 in days and day + 1 in days)
            or (day + 1 in days and day + 2 in days)
        )


def assign_regular_season_dates(
    matchups: list[tuple[int, int]], dates: list[dt.date], rng: np.random.Generator
) -> list[dt.date]:
    """Greedy day-by-day assignment by urgency (games left per day left), then a repair pass for leftovers."""
    ordinals = np.array([d.toordinal() for d in dates])
    targets = _daily_targets(dates, len(matchups), rng)
    state = _ScheduleState(matchups)
    for position, (day, target) in enumerate(zip(ordinals, targets, strict=True)):
        days_left = len(dates) - position
        urgency = state.games_left / days_left
        played_yesterday = state.last_day == day - 1
        blocked = (played_yesterday & (state.previous_day == day - 2)) | (
            played_yesterday & (state.back_to_backs >= MAX_BACK_TO_BACKS)
        )
        open_games = np.flatnonzero(state.day < 0)
        h, a = state.home[open_games], state.away[open_games]
        eligible = ~blocked[h] & ~blocked[a] & (state.pair_last_day[h, a] <= day - PAIR_COOLDOWN_DAYS)
        candidates = open_games[eligible]
        h, a = state.home[candidates], state.away[candidates]
        # Teams ahead of the back-to-back pace are penalised more for playing again tomorrow.
        b2b_pace = TARGET_BACK_TO_BACKS * position / len(dates)
        b2b_penalty = np.where(played_yesterday, 0.6 + 0.15 * (state.back_to_backs - b2b_pace), 0.0)
        score = 4.0 * (urgency[h] + urgency[a]) - b2b_penalty[h] - b2b_penalty[a] + rng.normal(0.0, 0.4, len(candidates))
        used = np.zeros(30, dtype=bool)
        placed = 0
        for game in candidates[np.argsort(-score, kind="stable")]:
            if placed == target:
                break
            gh, ga = state.home[game], state.away[game]
            if used[gh] or used[ga]:
                continue
            used[gh] = used[ga] = True
            state.place(game, day)
            placed += 1
    _repair(state, ordinals)
    return [dt.date.fromordinal(int(d)) for d in state.day]


def _repair(state: _ScheduleState, ordinals: np.ndarray) -> None:
    """Place leftover games on the least busy dates (never opening night) where both teams fit."""
    load = {int(d): int((state.day == d).sum()) for d in ordinals[1:]}
    for game in np.flatnonzero(state.day < 0):
        h, a = state.home[game], state.away[game]
        options = [d for d in load if load[d] < 15 and state.fits(h, d) and state.fits(a, d)]
        day = min(options, key=lambda d: (load[d], d))
        state.place(game, day)
        load[day] += 1


def _free_date(schedule: pd.DataFrame, home: str, away: str, candidates: list[dt.date]) -> dt.date | None:
    """First candidate date on which neither team plays and no three-in-a-row is created."""
    busy = {
        team: set(schedule.loc[(schedule["home"] == team) | (schedule["away"] == team), "game_date"])
        for team in (home, away)
    }
    one = dt.timedelta(days=1)
    for day in candidates:
        if all(
            day not in days
            and not (day - one in days and (day - 2 * one in days or day + one in days))
            and not (day + one in days and day + 2 * one in days)
            for days in busy.values()
        ):
            return day
    return None


def regular_season_tipoff(day: dt.date, home: str, rng: np.random.Generator) -> pd.Timestamp:
    """Mostly 7:00-7:30 PM local (so 7:00-10:30 PM Eastern); some weekend afternoon games."""
    if day.weekday() >= 5 and rng.random() < 0.25:
        hour, minute = [(13, 0), (15, 0), (15, 30), (17, 0), (18, 0)][rng.integers(5)]
        return eastern_to_utc(day, hour, minute)
    local_slots = [(19, 0), (19, 30), (19, 0), (19, 30), (18, 0)]
    if TEAM_TIME_ZONES[home] == "America/New_York":
        local_slots.append((20, 0))
    hour, minute = local_slots[rng.integers(len(local_slots))]
    return local_to_utc(day, hour, minute, home)


CHRISTMAS_SLOTS_EASTERN = ((12, 0), (14, 30), (17, 0), (20, 0), (22, 30))


def build_regular_season(season: int, rng: np.random.Generator) -> pd.DataFrame:
    matchups = regular_season_matchups(season, rng)
    order = rng.permutation(len(matchups))
    matchups = [matchups[i] for i in order]
    dates = regular_season_dates(season)
    game_dates = assign_regular_season_dates(matchups, dates, rng)
    frame = pd.DataFrame(
        {
            "game_date": game_dates,
            "home": [TEAM_CODES[h] for h, _ in matchups],
            "away": [TEAM_CODES[a] for _, a in matchups],
        }
    )
    frame["tipoff"] = [regular_season_tipoff(d, h, rng) for d, h in zip(frame["game_date"], frame["home"], strict=True)]
    christmas = frame.index[frame["game_date"] == dt.date(season, 12, 25)]
    for slot, row in zip(CHRISTMAS_SLOTS_EASTERN, christmas, strict=False):
        frame.loc[row, "tipoff"] = eastern_to_utc(dt.date(season, 12, 25), *slot)
    frame["kind"] = "regular"
    frame["neutral"] = False
    frame["postponed"] = False
    global_game = _global_game_row(frame, rng)
    frame.loc[global_game, "neutral"] = True
    frame = frame.sort_values(["tipoff", "home"], kind="stable").reset_index(drop=True)
    frame["game_id"] = [game_id(2, season, i + 1) for i in range(len(frame))]
    return frame


def _global_game_row(frame: pd.DataFrame, rng: np.random.Generator) -> int:
    """One January game at a neutral international site (Paris / Mexico City style)."""
    january = frame.index[pd.to_datetime(frame["game_date"]).dt.month == 1]
    return int(january[rng.integers(len(january))])


def add_postponed_game(frame: pd.DataFrame, season: int, rng: np.random.Generator) -> pd.DataFrame:
    """Postpone one December-January game; its make-up (new id) is played on the first free date at
    least two weeks later. Games without such a date are skipped when picking the postponed one."""
    window = frame.index[
        (pd.to_datetime(frame["game_date"]).dt.month.isin([12, 1])) & ~frame["neutral"]
        & (frame["game_date"] != dt.date(season, 12, 25))
    ]
    for row in rng.permutation(window):
        original = frame.loc[row]
        earliest = original["game_date"] + dt.timedelta(days=14)
        candidates = [d for d in regular_season_dates(season) if earliest <= d < regular_season_end(season)]
        makeup_day = _free_date(frame.drop(index=row), original["home"], original["away"], candidates)
        if makeup_day is not None:
            break
    else:
        raise RuntimeError(f"no December-January game of {season} can be made up later in the season")
    frame.loc[row, "postponed"] = True
    makeup = {
        "game_date": makeup_day,
        "home": original["home"],
        "away": original["away"],
        "tipoff": local_to_utc(makeup_day, 19, 0, original["home"]),
        "kind": "regular",
        "neutral": False,
        "postponed": False,
        "game_id": game_id(2, season, len(frame) + 1),
    }
    return pd.concat([frame, pd.DataFrame([makeup])], ignore_index=True)


def build_preseason(season: int, rng: np.random.Generator) -> pd.DataFrame:
    """Early-October exhibitions: 4-5 per team, two neutral-site international games, a few foreign clubs."""
    first = opening_night(season) - dt.timedelta(days=16)
    days = [first + dt.timedelta(days=i) for i in range(14)]
    games_played = np.zeros(30, dtype=int)
    rows: list[dict] = []
    international = rng.choice(30, 2, replace=False)
    for offset in (0, 2):
        rows.append(_exhibition_row(days[offset], TEAM_CODES[international[0]], TEAM_CODES[international[1]], True, rng))
    games_played[international] += 2
    foreign_hosts = rng.choice(np.setdiff1d(np.arange(30), international), 4, replace=False)
    clubs = rng.choice(len(FOREIGN_CLUBS), 4, replace=True)
    for host, club in zip(foreign_hosts, clubs, strict=True):
        day = days[int(rng.integers(1, 13))]
        rows.append(_exhibition_row(day, TEAM_CODES[host], FOREIGN_CLUBS[club], False, rng))
        games_played[host] += 1
    for day in days[1:]:
        busy = {r["home"] for r in rows if r["game_date"] == day} | {r["away"] for r in rows if r["game_date"] == day}
        free = [t for t in np.argsort(games_played + rng.random(30), kind="stable") if TEAM_CODES[t] not in busy]
        wanted = min(int(rng.integers(3, 8)), len(free) // 2)
        for k in range(wanted):
            home, away = free[2 * k], free[2 * k + 1]
            if games_played[home] >= 5 or games_played[away] >= 5:
                continue
            rows.append(_exhibition_row(day, TEAM_CODES[home], TEAM_CODES[away], False, rng))
            games_played[[home, away]] += 1
    frame = pd.DataFrame(rows).sort_values(["tipoff", "home"], kind="stable").reset_index(drop=True)
    frame["game_id"] = [game_id(1, season, i + 1) for i in range(len(frame))]
    frame["kind"] = "preseason"
    frame["postponed"] = False
    return frame


def _exhibition_row(day: dt.date, home: str, away: str, neutral: bool, rng: np.random.Generator) -> dict:
    home_score, away_score = (int(x) for x in rng.normal(110, 11, 2).round())
    if home_score == away_score:
        home_score += int(rng.integers(1, 4))
    tipoff = eastern_to_utc(day, 12, 0) if neutral else local_to_utc(day, 19, 0, home)
    return {
        "game_date": day,
        "home": home,
        "away": away,
        "tipoff": tipoff,
        "neutral": neutral,
        "home_score": home_score,
        "away_score": away_score,
    }


def build_all_star(season: int, rng: np.random.Generator) -> pd.DataFrame:
    """All-Star weekend: a Rising Stars mini-tournament on Friday (to 40, final to 25) and the game on Sunday."""
    sunday = all_star_sunday(season)
    friday = sunday - dt.timedelta(days=2)
    jas, wor, pau, gns = RISING_STARS_TEAMS
    rows = []
    winners = []
    for seq, (home, away) in zip((3, 4), ((jas, wor), (pau, gns)), strict=True):
        rows.append(_target_score_game(season, seq, friday, 21, home, away, 40, rng))
        winners.append(home if rows[-1]["home_score"] > rows[-1]["away_score"] else away)
    rows.append(_target_score_game(season, 5, friday, 22, winners[0], winners[1], 25, rng))
    home_score, away_score = (int(x) for x in rng.normal(172, 9, 2).round())
    if home_score == away_score:
        home_score += 1
    rows.append(
        {
            "game_id": game_id(3, season, 1),
            "game_date": sunday,
            "home": ALL_STAR_GAME_TEAMS[0],
            "away": ALL_STAR_GAME_TEAMS[1],
            "tipoff": eastern_to_utc(sunday, 20, 0),
            "home_score": home_score,
            "away_score": away_score,
        }
    )
    frame = pd.DataFrame(rows)
    frame["kind"] = "all_star"
    frame["neutral"] = True
    frame["postponed"] = False
    return frame


def _target_score_game(
    season: int, seq: int, day: dt.date, hour: int, home: str, away: str, target: int, rng: np.random.Generator
) -> dict:
    winner_score = target + int(rng.integers(0, 3))
    loser_score = target - int(rng.integers(1, 12))
    home_wins = bool(rng.random() < 0.5)
    return {
        "game_id": game_id(3, season, seq),
        "game_date": day,
        "home": home,
        "away": away,
        "tipoff": eastern_to_utc(day, hour, 0),
        "home_score": winner_score if home_wins else loser_score,
        "away_score": loser_score if home_wins else winner_score,
    }


def postseason_tipoff(day: dt.date, game_in_day: int) -> pd.Timestamp:
    """Staggered national-TV slots: 1:00, 3:30, 6:00, 7:00, 8:00 (weekend) or 7:00, 7:30, 9:30, 10:00 (weekday) ET."""
    slots = ((13, 0), (15, 30), (18, 0), (20, 30)) if day.weekday() >= 5 else ((19, 0), (19, 30), (21, 30), (22, 0))
    return eastern_to_utc(day, *slots[game_in_day % len(slots)])

