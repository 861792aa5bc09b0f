"""One game: availability, minutes, shot events, free throws, the other counts, overtime and injuries.

A game is simulated quarter by quarter: shots are allocated to the players on the floor by minutes x
usage, each shot gets a zone from the shooter's profile and is made with the shooter's zone FG% moved
by opponent defence, form, rest, venue and the score (the leading team cools off, the trailing team
heats up). The fourth quarter brings garbage time when the lead after three quarters is large; tied
games (and, to match the real ~6 % overtime rate, some within two points) get 5-minute overtimes.
Every box-score number is summed from these events, so the play-by-play matches the box score
exactly and scores equal the sum of player points.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from simulated_league.players import (
    OTHER_STATS,
    Population,
    injury_label,
    update_form,
)

ACTIVE, DNP, INACTIVE = 0, 1, 2
PAINT, MID, THREE = 0, 1, 2
ZONE_POINTS = np.array([2, 2, 3])

# Minutes by depth-chart rank among dressed players (healthy roster sums to ~240 after scaling).
MINUTES_BY_DEPTH = np.array([34.5, 33.0, 31.5, 30.0, 28.0, 24.0, 21.0, 18.0, 14.0, 9.0, 6.0, 3.5, 2.0])
APPEARANCE_BY_DEPTH = np.array([1.0] * 8 + [0.9, 0.4, 0.18, 0.08, 0.04])
MAX_DRESSED = 13
MAX_MINUTES = 42.0

FGA_PER_POSSESSION = 0.862
# Game-level possessions noise (shared by both teams) and team-level shot-count noise (x sqrt(attempts)).
POSSESSION_NOISE = 2.5
ATTEMPTS_NOISE = 0.1
FT_RATE_SCALE = 0.68
HOME_FG_PCT = 0.006
FORM_USAGE = 0.6
FORM_MINUTES = 0.35
FORM_FG_PCT = 0.05
# Rest effects on starters' minutes (the freed minutes go to the bench) and on everyone's FG%.
BACK_TO_BACK_MINUTES, BACK_TO_BACK_FG_PCT = 0.95, -0.010
LONG_REST_MINUTES, LONG_REST_FG_PCT = 0.985, 0.004
STARTERS = 5
# Game-to-game minutes noise (lognormal sd) for starters, rotation (depth 6-9) and deep bench.
MINUTES_NOISE_BY_DEPTH = np.array([0.12] * 5 + [0.5] * 4 + [0.6] * 4)
VOLUME_SD = 0.22
ALLOCATION_DISPERSION = 0.65
GARBAGE_TIME_LEAD = 12
RETURN_RESTRICTION = 0.8
STAR_REST_PROBABILITY = 0.25
KNOCK_PROBABILITY = 0.022
KNOCK_PLAYS_PROBABILITY = 0.6
LATE_SCRATCH_SHARE = 0.5
OVERTIME_IF_CLOSE = 0.25
# Game-state feedback: each quarter the leading team's FG% drops (the trailing team's rises) by this much
# per point of lead, capped. Real team scores are less dispersed than independent shots would make them.
RUBBER_BAND, MAX_LEAN = 0.002, 0.06
# Share of the latent form the bookmakers' expectation knows about (the rest only shows in results).
BOOK_FORM_INSIGHT = 0.5

# Team-level conversions for the non-scoring counts.
DREB_RATE, ASSIST_RATE, STEAL_RATE, BLOCK_RATE = 0.93, 0.61, 0.55, 0.105
POSSESSION_IDENTITY_NOISE = 2.0
TURNOVERS_PER_POSSESSION, FOULS_PER_GAME = 0.134, 19.5

SCORE_STATS = ("field_goals_made", "field_goals_attempted", "three_pointers_made", "three_pointers_attempted",
               "free_throws_made", "free_throws_attempted")


@dataclasses.dataclass
class TeamTraits:
    """Per-season team style: pace (possessions per 48), FG% allowed offsets by zone and overall,
    and an offensive-system FG% offset for the team's own shots."""

    pace: np.ndarray
    zone_defense: np.ndarray
    defense: np.ndarray
    offense: np.ndarray

    # Overall + zone-specific FG% allowed: std across teams 0.020 paint, 0.017 mid, 0.012 three in total.
    DEFENSE_SD = 0.010
    ZONE_DEFENSE_SD = np.sqrt(np.array([0.020, 0.017, 0.012]) ** 2 - DEFENSE_SD**2)
    OFFENSE_SD = 0.013
    PACE_MEAN, PACE_SD = 101.0, 2.2
    CARRY_OVER = 0.5

    @classmethod
    def draw(cls, rng: np.random.Generator, teams: int) -> TeamTraits:
        return cls(
            pace=rng.normal(cls.PACE_MEAN, cls.PACE_SD, teams),
            zone_defense=rng.normal(0.0, cls.ZONE_DEFENSE_SD, (teams, 3)),
            defense=rng.normal(0.0, cls.DEFENSE_SD, teams),
            offense=rng.normal(0.0, cls.OFFENSE_SD, teams),
        )

    def next_season(self, rng: np.random.Generator) -> TeamTraits:
        """Half of last season's style carries over; the rest is redrawn (variance preserved)."""
        fresh = TeamTraits.draw(rng, len(self.pace))
        keep, new = self.CARRY_OVER, np.sqrt(1.0 - self.CARRY_OVER**2)
        return TeamTraits(
            pace=self.PACE_MEAN + keep * (self.pace - self.PACE_MEAN) + new * (fresh.pace - self.PACE_MEAN),
            zone_defense=keep * self.zone_defense + new * fresh.zone_defense,
            defense=keep * self.defense + new * fresh.defense,
            offense=keep * self.offense + new * fresh.offense,
        )


@dataclasses.dataclass
class InjuryListing:
    """One player's statuses in the reports before a game (None = not listed)."""

    player: int
    team: int
    reason: str
    day_before: str | None
    morning: str | None
    pregame: str | None
    after_tipoff: str | None = None


@dataclasses.dataclass
class Side:
    """One team's dressed players and the context that shapes their game."""

    team: int
    players: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    dressed: np.ndarray
    expected_dressed: np.ndarray
    rest_minutes: np.ndarray
    rest_fg_pct: np.ndarray
    listings: list[InjuryListing]


@dataclasses.dataclass
class SideBox:
    """One team's rows of a game, aligned with its roster."""

    players: np.ndarray
    team: int
    status: np.ndarray
    reason: np.ndarray
    seconds: np.ndarray
    stats: np.ndarray
    plus_minus: np.ndarray
    expected_minutes: np.ndarray
    expected_points: np.ndarray


@dataclasses.dataclass
class GameResult:
    boxes: list[SideBox]
    shot_player: np.ndarray
    shot_team: np.ndarray
    shot_zone: np.ndarray
    shot_made: np.ndarray
    home_points: int
    away_points: int
    expected_home_points: float
    expected_away_points: float
    listings: list[InjuryListing]


STAT_COLUMNS = ("points", *SCORE_STATS, *OTHER_STATS)
TURNOVER_COLUMN = OTHER_STATS.index("turnovers")
FOUL_COLUMN = OTHER_STATS.index("personal_fouls")


def prepare_side(population: Population, team: int, day: int, rng: np.random.Generator) -> Side:
    """Decide who is out (injury, rest, knock, two-way) and the injury-report listings for one team."""
    roster = population.roster(team)
    roster = roster[np.argsort(-population.value(roster), kind="stable")]
    status = np.full(len(roster), ACTIVE)
    reason = np.full(len(roster), None, dtype=object)
    listings: list[InjuryListing] = []
    days_rest = day - population.last_played_day[roster]
    returning = population.games_back[roster] == 0
    _sit_injured(population, roster, day, status, reason, listings, team)
    _rest_veteran_stars(population, roster, days_rest, returning, status, reason, listings, team, rng)
    late_scratch = _day_to_day_knocks(population, roster, returning, status, reason, listings, team, rng)
    _bench_two_way_players(population, roster, status, reason, listings, team)
    dressed = np.flatnonzero(status == ACTIVE)
    for i in dressed[returning[dressed]]:
        listings.append(InjuryListing(int(roster[i]), team, "Injury/Illness - Return to Competition Reconditioning",
                                      "questionable", "probable", "available"))
    expected = np.flatnonzero((status == ACTIVE) | late_scratch)
    long_rest = (days_rest >= 4) & (days_rest < 30)  # 3+ days off, not the off-season
    rest_minutes = np.where(days_rest == 1, BACK_TO_BACK_MINUTES, np.where(long_rest, LONG_REST_MINUTES, 1.0))
    rest_fg_pct = np.where(days_rest == 1, BACK_TO_BACK_FG_PCT, np.where(long_rest, LONG_REST_FG_PCT, 0.0))
    return Side(team, roster, status, reason, dressed, expected, rest_minutes, rest_fg_pct, listings)


def _sit_injured(population: Population, roster: np.ndarray, day: int, status: np.ndarray, reason: np.ndarray,
                 listings: list[InjuryListing], team: int) -> None:
    """Injured players are inactive: out on every report, doubtful before their last missed game."""
    for i in np.flatnonzero(population.injury_games_left[roster] > 0):
        player = roster[i]
        label = injury_label(population.injury_reason[player])
        status[i], reason[i] = INACTIVE, label
        last_game_out = population.injury_games_left[player] == 1
        # Hurt in last night's game: that game ended after the previous afternoon's report.
        known_day_before = population.injury_started_day[player] < day - 1
        early = "doubtful" if last_game_out else "out"
        listings.append(InjuryListing(int(player), team, label, early if known_day_before else None, early, "out"))


def _rest_veteran_stars(population: Population, roster: np.ndarray, days_rest: np.ndarray, returning: np.ndarray,
                        status: np.ndarray, reason: np.ndarray, listings: list[InjuryListing], team: int,
                        rng: np.random.Generator) -> None:
    """Load management: a healthy top-3 player aged 30+ sits some second nights of back-to-backs."""
    candidates = np.flatnonzero((status == ACTIVE) & ~returning & (days_rest == 1) & (population.age[roster] >= 30))
    for i in candidates[(candidates < 3) & (rng.random(len(candidates)) < STAR_REST_PROBABILITY)]:
        status[i], reason[i] = INACTIVE, "Rest"
        listings.append(InjuryListing(int(roster[i]), team, "Rest", None, "out", "out"))


def _day_to_day_knocks(population: Population, roster: np.ndarray, returning: np.ndarray, status: np.ndarray,
                       reason: np.ndarray, listings: list[InjuryListing], team: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Minor knocks make rotation players questionable on game day; most play, the others sit, half of
    those as late scratches still listed questionable an hour before tip-off. Returns the late scratches."""
    late_scratch = np.zeros(len(roster), dtype=bool)
    rotation = np.flatnonzero((status == ACTIVE) & ~returning)
    rotation = rotation[rotation < 10]
    for i in rotation[rng.random(len(rotation)) < KNOCK_PROBABILITY]:
        label = injury_label(population.knock_reason(rng))
        if rng.random() < KNOCK_PLAYS_PROBABILITY:
            listings.append(InjuryListing(int(roster[i]), team, label, None, "questionable", "probable"))
            continue
        status[i], reason[i] = INACTIVE, label
        late_scratch[i] = rng.random() < LATE_SCRATCH_SHARE
        listings.append(
            InjuryListing(int(roster[i]), team, label, None, "questionable",
                          "questionable" if late_scratch[i] else "out", "out" if late_scratch[i] else None)
        )
    return late_scratch


def _bench_two_way_players(
    population: Population, roster: np.ndarray, status: np.ndarray, reason: np.ndarray,
    listings: list[InjuryListing], team: int,
) -> None:
    """Two-way players sit unless fewer than 13 others are available; extras beyond 13 sit too."""
    available = np.flatnonzero(status == ACTIVE)
    two_way = available[population.two_way[roster[available]]]
    regulars = available[~population.two_way[roster[available]]]
    needed = max(0, MAX_DRESSED - len(regulars))
    for i in two_way[needed:]:
        status[i], reason[i] = INACTIVE, "G League - Two-Way"
        listings.append(InjuryListing(int(roster[i]), team, "G League - Two-Way", "out", "out", "out"))
    for i in regulars[MAX_DRESSED:]:
        status[i], reason[i] = INACTIVE, "Not With Team"


def _fill_minutes(desired: np.ndarray, total: float, cap: float) -> np.ndarray:
    """Scale minutes to the team total, capping heavy loads and spreading the excess."""
    minutes = desired * (total / desired.sum())
    for _ in range(4):
        over = minutes > cap
        if not over.any():
            break
        excess = (minutes[over] - cap).sum()
        minutes[over] = cap
        minutes[~over] += excess * minutes[~over] / minutes[~over].sum()
    return minutes


def _base_minutes(population: Population, side: Side, index: np.ndarray) -> np.ndarray:
    players = side.players[index]
    depth = np.minimum(np.arange(len(index)), len(MINUTES_BY_DEPTH) - 1)
    restricted = (population.games_back[players] < 2) & (population.last_injury_games[players] >= 4)
    return MINUTES_BY_DEPTH[depth] * population.minutes_factor[players] * np.where(restricted, RETURN_RESTRICTION, 1.0)


def _rest_shift(minutes: np.ndarray, rest_factor: np.ndarray) -> np.ndarray:
    """Rested-ness moves minutes from the starters to the bench players who play (the team total is fixed)."""
    starters = np.arange(len(minutes)) < STARTERS
    adjusted = np.where(starters, minutes * rest_factor, minutes)
    bench = ~starters & (minutes > 0)
    if bench.any():
        adjusted[bench] += (minutes - adjusted).sum() * minutes[bench] / minutes[bench].sum()
    else:
        adjusted = minutes
    return adjusted


def _shot_weights(population: Population, players: np.ndarray, minutes: np.ndarray, form: np.ndarray) -> np.ndarray:
    return minutes * population.usage(players) * np.exp(FORM_USAGE * form)


def _make_probability(population: Population, players: np.ndarray, opponent_defense: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Per player x zone FG%: own skill + opponent zone/overall defense + form, rest and home shifts."""
    return np.clip(population.zone_pct(players) + opponent_defense[None, :] + shift[:, None], 0.05, 0.95)


def expected_points(
    population: Population, side: Side, opponent_defense: np.ndarray, home_shift: float, possessions: float
) -> tuple[np.ndarray, np.ndarray]:
    """A bookmaker-grade expectation of minutes and points for the expected lineup: full knowledge of
    roles, lineup, opponent, rest and venue, but only part of each player's latent form."""
    index = side.expected_dressed
    players = side.players[index]
    form = BOOK_FORM_INSIGHT * population.form[players]
    appearance = APPEARANCE_BY_DEPTH[np.minimum(np.arange(len(index)), len(APPEARANCE_BY_DEPTH) - 1)]
    base = _base_minutes(population, side, index) * np.exp(FORM_MINUTES * form) * appearance
    minutes = _rest_shift(_fill_minutes(base, 240.0, MAX_MINUTES), side.rest_minutes[index])
    weights = _shot_weights(population, players, minutes, form)
    attempts = FGA_PER_POSSESSION * possessions * weights / weights.sum()
    make = _make_probability(population, players, opponent_defense, side.rest_fg_pct[index] + home_shift + FORM_FG_PCT * form)
    points_per_shot = (population.shot_profile(players) * make * ZONE_POINTS).sum(axis=1)
    free_throws = FT_RATE_SCALE * population.ft_rate[players] * np.exp(FORM_USAGE * form) * (attempts + 0.1 * minutes) * population.ft_pct[players]
    return minutes, attempts * points_per_shot + free_throws


@dataclasses.dataclass
class _Segment:
    fga: np.ndarray
    fgm: np.ndarray
    three_a: np.ndarray
    three_m: np.ndarray
    fta: np.ndarray
    ftm: np.ndarray
    shot_player: np.ndarray
    shot_zone: np.ndarray
    shot_made: np.ndarray

    @property
    def points(self) -> int:
        return int(2 * self.fgm.sum() + self.three_m.sum() + self.ftm.sum())


class _Shooter:
    """Everything about one side's shooting that is fixed for the whole game."""

    def __init__(self, population: Population, side: Side, opponent_defense: np.ndarray, home_shift: float,
                 rng: np.random.Generator):
        self.index = side.dressed
        self.players = side.players[self.index]
        self.form = population.form[self.players]
        usage = population.usage(self.players)
        # Night-to-night shooting volume varies more for low-usage role players than for stars.
        self.volume = rng.lognormal(0.0, VOLUME_SD / usage)
        self.usage = usage * np.exp(FORM_USAGE * self.form) * self.volume
        shift = side.rest_fg_pct[self.index] + home_shift + FORM_FG_PCT * self.form
        self.make = _make_probability(population, self.players, opponent_defense, shift)
        self.zone_cdf = np.cumsum(population.shot_profile(self.players), axis=1)
        self.ft_rate = FT_RATE_SCALE * population.ft_rate[self.players] * np.exp(FORM_USAGE * self.form)
        self.ft_pct = population.ft_pct[self.players]

    def shoot(self, minutes: np.ndarray, possessions: float, lean: float, rng: np.random.Generator) -> _Segment:
        weights = minutes * self.usage
        mean_attempts = FGA_PER_POSSESSION * possessions
        attempts = max(0, int(round(rng.normal(mean_attempts, ATTEMPTS_NOISE * np.sqrt(mean_attempts)))))
        fga = _allocate(attempts, weights, rng)
        shooter = np.repeat(np.arange(len(fga)), fga)
        draw = rng.random(len(shooter))
        zone = (draw > self.zone_cdf[shooter, 0]).astype(int) + (draw > self.zone_cdf[shooter, 1])
        made = rng.random(len(shooter)) < self.make[shooter, zone] + lean
        is_three = zone == THREE
        count = len(fga)
        fgm = np.bincount(shooter[made], minlength=count)
        three_a = np.bincount(shooter[is_three], minlength=count)
        three_m = np.bincount(shooter[is_three & made], minlength=count)
        fta = rng.poisson(self.ft_rate * (fga + 0.1 * minutes))
        ftm = rng.binomial(fta, self.ft_pct)
        return _Segment(fga, fgm, three_a, three_m, fta, ftm, self.players[shooter], zone, made)


def _allocate(total: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shots per player: a multinomial draw shrunk toward its expectation (real shot counts are
    less dispersed than a multinomial), stochastically rounded so the mean is kept."""
    expected = total * weights / weights.sum()
    mixed = ALLOCATION_DISPERSION * rng.multinomial(total, weights / weights.sum()) + (1 - ALLOCATION_DISPERSION) * expected
    return np.floor(mixed + rng.random(len(mixed))).astype(int)


def _garbage_time_minutes(minutes: np.ndarray, margin: int) -> np.ndarray:
    """Fourth-quarter minutes: starters sit progressively once the lead after three quarters passes
    GARBAGE_TIME_LEAD; the bench that already played absorbs their minutes, the deep bench joins in routs."""
    fourth = 0.25 * minutes
    intensity = min(1.0, max(0.0, (abs(margin) - GARBAGE_TIME_LEAD) / 12))
    if intensity == 0.0:
        return fourth
    starters = np.argsort(-minutes, kind="stable")[:STARTERS]
    bench = np.setdiff1d(np.arange(len(minutes)), starters)
    weights = np.where(minutes[bench] > 0, 1.0, 0.5 if intensity >= 0.4 else 0.0)
    if weights.sum() == 0:
        return fourth
    freed = 0.8 * intensity * fourth[starters]
    fourth[starters] -= freed
    fourth[bench] += freed.sum() * weights / weights.sum()
    return fourth


def _overtime_minutes(minutes: np.ndarray) -> np.ndarray:
    """25 player-minutes per overtime, mostly to the starters (at most 5 each)."""
    top = np.argsort(-minutes, kind="stable")[:7]
    result = np.zeros(len(minutes))
    result[top] = _fill_minutes(minutes[top] ** 2 + 1e-9, 25.0, 5.0)
    return result


def _to_seconds(minutes: np.ndarray, total_minutes: float) -> np.ndarray:
    """Whole seconds summing exactly to the team total (largest remainder)."""
    played = minutes > 0
    minutes = np.where(played, np.maximum(minutes, 0.2), 0.0)
    exact = minutes * (total_minutes * 60 / minutes.sum())
    seconds = np.floor(exact).astype(int)
    shortfall = int(round(total_minutes * 60)) - seconds.sum()
    seconds[np.argsort(-(exact - seconds), kind="stable")[:shortfall]] += 1
    return seconds


class GameSimulator:
    """Simulates one game at a time against the shared population and team traits."""

    def __init__(self, population: Population, traits: TeamTraits, rng: np.random.Generator):
        self.population = population
        self.traits = traits
        self.rng = rng

    def _defense(self, team: int) -> np.ndarray:
        return self.traits.zone_defense[team] + self.traits.defense[team]

    def play(self, home: int, away: int, day: int, neutral: bool) -> GameResult:
        population, rng = self.population, self.rng
        sides = [prepare_side(population, team, day, rng) for team in (home, away)]
        home_shift = 0.0 if neutral else HOME_FG_PCT
        shifts = (home_shift + self.traits.offense[home], -home_shift + self.traits.offense[away])
        possessions = 0.5 * (self.traits.pace[home] + self.traits.pace[away]) + rng.normal(0.0, POSSESSION_NOISE)
        defenses = (self._defense(away), self._defense(home))
        expectations = [
            expected_points(population, side, defense, shift, possessions)
            for side, defense, shift in zip(sides, defenses, shifts, strict=True)
        ]
        minutes = [self._rotation_minutes(side) for side in sides]
        shooters = [_Shooter(population, side, defense, shift, rng) for side, defense, shift in zip(sides, defenses, shifts, strict=True)]
        segments: list[list[_Segment]] = [[], []]
        played = [np.zeros(len(m)) for m in minutes]
        margin = 0
        for quarter in range(4):
            lean = float(np.clip(RUBBER_BAND * margin, -MAX_LEAN, MAX_LEAN))
            for k in range(2):
                quarter_minutes = _garbage_time_minutes(minutes[k], margin) if quarter == 3 else 0.25 * minutes[k]
                segments[k].append(shooters[k].shoot(quarter_minutes, 0.25 * possessions, (-lean, lean)[k], rng))
                played[k] = played[k] + quarter_minutes
            margin += segments[0][-1].points - segments[1][-1].points
        overtimes = 0
        while margin == 0 or (overtimes == 0 and abs(margin) <= 2 and rng.random() < OVERTIME_IF_CLOSE):
            overtimes += 1
            for k in range(2):
                extra = _overtime_minutes(played[k])
                segments[k].append(shooters[k].shoot(extra, possessions * 5.0 / 48.0, 0.0, rng))
                played[k] = played[k] + extra
            margin += segments[0][-1].points - segments[1][-1].points
        return self._assemble(sides, shooters, segments, played, expectations, overtimes, possessions, day)

    def _rotation_minutes(self, side: Side) -> np.ndarray:
        """Depth-chart minutes with game noise; the deep bench appears only some nights."""
        rng = self.rng
        index = side.dressed
        depth = np.arange(len(index))
        base = _base_minutes(self.population, side, index) * np.exp(FORM_MINUTES * self.population.form[side.players[index]])
        desired = base * rng.lognormal(0.0, MINUTES_NOISE_BY_DEPTH[np.minimum(depth, len(MINUTES_NOISE_BY_DEPTH) - 1)])
        appears = rng.random(len(index)) < APPEARANCE_BY_DEPTH[np.minimum(depth, len(APPEARANCE_BY_DEPTH) - 1)]
        minutes = _fill_minutes(np.where(appears, desired, 0.0), 240.0, MAX_MINUTES)
        return _rest_shift(minutes, side.rest_minutes[index])

    def _assemble(self, sides, shooters, segments, played, expectations, overtimes, possessions, day) -> GameResult:
        total_minutes = 240.0 + 25.0 * overtimes
        totals = [_sum_segments(segs) for segs in segments]
        points = [int(2 * t["field_goals_made"].sum() + t["three_pointers_made"].sum() + t["free_throws_made"].sum()) for t in totals]
        misses = [int(t["field_goals_attempted"].sum() - t["field_goals_made"].sum()) for t in totals]
        turnovers = self.rng.poisson(TURNOVERS_PER_POSSESSION * possessions * total_minutes / 240.0, 2)
        offensive_rebounds = [
            self._offensive_rebounds(totals[k], misses[k], turnovers[k], possessions * total_minutes / 240.0) for k in range(2)
        ]
        boxes = []
        for k, side in enumerate(sides):
            other = 1 - k
            counts = self._team_counts(totals[k], offensive_rebounds[k], turnovers[k], misses[other],
                                       offensive_rebounds[other], turnovers[other], total_minutes)
            margin = (points[0] - points[1]) * (1 if k == 0 else -1)
            box = self._side_box(side, played[k], totals[k], counts, margin, total_minutes, expectations[k])
            self._update_players(side, box, day)
            boxes.append(box)
        shots = [np.concatenate([s.shot_player for s in segs]) for segs in segments]
        return GameResult(
            boxes=boxes,
            shot_player=np.concatenate(shots),
            shot_team=np.repeat([sides[0].team, sides[1].team], [len(shots[0]), len(shots[1])]),
            shot_zone=np.concatenate([s.shot_zone for segs in segments for s in segs]),
            shot_made=np.concatenate([s.shot_made for segs in segments for s in segs]),
            home_points=points[0],
            away_points=points[1],
            expected_home_points=float(expectations[0][1].sum()),
            expected_away_points=float(expectations[1][1].sum()),
            listings=sides[0].listings + sides[1].listings,
        )

    def _offensive_rebounds(self, totals: dict[str, np.ndarray], misses: int, turnovers: int, possessions: float) -> int:
        """Offensive rebounds close the possession identity FGA + 0.44 FTA + TOV - OREB = possessions
        (up to a little noise): extra shots in a game come from second chances, as in real box scores."""
        attempts = totals["field_goals_attempted"].sum() + 0.44 * totals["free_throws_attempted"].sum()
        return int(np.clip(round(attempts + turnovers - possessions + self.rng.normal(0.0, POSSESSION_IDENTITY_NOISE)), 0, misses))

    def _team_counts(self, totals: dict[str, np.ndarray], offensive_rebounds: int, turnovers: int, opponent_misses: int,
                     opponent_offensive_rebounds: int, opponent_turnovers: int, total_minutes: float) -> np.ndarray:
        """Team totals of the non-scoring counts, in OTHER_STATS order, tied to the shots and possessions."""
        rng = self.rng
        return np.array(
            [
                offensive_rebounds,
                rng.binomial(opponent_misses - opponent_offensive_rebounds, DREB_RATE),
                rng.binomial(int(totals["field_goals_made"].sum()), ASSIST_RATE),
                rng.binomial(opponent_turnovers, STEAL_RATE),
                rng.binomial(opponent_misses, BLOCK_RATE),
                turnovers,
                rng.poisson(FOULS_PER_GAME * total_minutes / 240.0),
            ]
        )

    def _side_box(self, side: Side, played: np.ndarray, totals: dict[str, np.ndarray], counts: np.ndarray,
                  margin: int, total_minutes: float, expectation: tuple[np.ndarray, np.ndarray]) -> SideBox:
        """Box-score rows for the whole roster: seconds, counts spread by per-minute weights, plus-minus."""
        population, rng = self.population, self.rng
        count = len(side.players)
        seconds = np.zeros(count, dtype=int)
        seconds[side.dressed] = _to_seconds(played, total_minutes)
        stats = np.zeros((count, len(STAT_COLUMNS)), dtype=int)
        for column, name in enumerate(SCORE_STATS, start=1):
            stats[side.dressed, column] = totals[name]
        stats[:, 0] = 2 * stats[:, 1] + stats[:, 3] + stats[:, 5]
        players = side.players[side.dressed]
        weights = population.stat_weights[players] * (seconds[side.dressed] / 60.0)[:, None]
        weights[:, TURNOVER_COLUMN] *= population.usage(players)
        other = rng.multinomial(counts, (weights / weights.sum(axis=0)).T).T
        other[:, FOUL_COLUMN] = np.minimum(other[:, FOUL_COLUMN], 6)
        stats[side.dressed, 1 + len(SCORE_STATS):] = other
        appeared = seconds > 0
        status = np.where(appeared, ACTIVE, np.where(side.status == ACTIVE, DNP, INACTIVE))
        share = seconds / 60.0 / 48.0
        expected_minutes, expected_points = np.full(count, np.nan), np.full(count, np.nan)
        expected_minutes[side.expected_dressed], expected_points[side.expected_dressed] = expectation
        return SideBox(
            players=side.players,
            team=side.team,
            status=status,
            reason=np.where(status == DNP, "Coach's Decision", side.reason),
            seconds=seconds,
            stats=stats,
            plus_minus=np.round(margin * share + rng.normal(0.0, 4.0, count) * np.sqrt(share)).astype(int),
            expected_minutes=expected_minutes,
            expected_points=expected_points,
        )

    def _update_players(self, side: Side, box: SideBox, day: int) -> None:
        """Form steps, injury clocks tick, and new injuries strike players who played."""
        population, rng = self.population, self.rng
        appeared = box.status == ACTIVE
        seconds = box.seconds
        players = side.players[appeared]
        update_form(population, players, rng)
        population.last_played_day[players] = day
        population.games_back[side.players] += 1
        out = side.players[population.injury_games_left[side.players] > 0]
        population.injury_games_left[out] -= 1
        population.games_back[out[population.injury_games_left[out] == 0]] = 0
        hurt = players[rng.random(len(players)) < population.injury_probability(players, seconds[appeared] / 60.0)]
        population.injure(hurt, day)


def _sum_segments(segments: list[_Segment]) -> dict[str, np.ndarray]:
    return {
        "field_goals_made": sum(s.fgm for s in segments),
        "field_goals_attempted": sum(s.fga for s in segments),
        "three_pointers_made": sum(s.three_m for s in segments),
        "three_pointers_attempted": sum(s.three_a for s in segments),
        "free_throws_made": sum(s.ftm for s in segments),
        "free_throws_attempted": sum(s.fta for s in segments),
    }
