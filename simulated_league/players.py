"""The player population: identities, skills, aging, roster moves (off-season, trades, signings) and injuries.

Players persist across seasons. Each has a scoring talent (drives usage and shooting), a non-scoring
"craft" (drives minutes through the depth chart), a shot-zone profile, free-throw habits, per-minute
rates for the other box-score counts, a durability, and a slowly moving latent form.
"""

from __future__ import annotations

import numpy as np

from nba_assets.raw.contract import normalize_player_lookup

POSITION_MIX = (0.42, 0.36, 0.22)  # guard, forward, center

# Zone shares and FG% by position (guard, forward, center). Only their differences matter: each season
# the league environment is re-calibrated so the league-wide mix lands on the real figures.
ZONE_SHARE_BY_POSITION = np.array([[0.30, 0.19, 0.51], [0.40, 0.17, 0.43], [0.64, 0.15, 0.21]])
ZONE_PCT_BY_POSITION = np.array([[0.530, 0.422, 0.350], [0.553, 0.419, 0.345], [0.600, 0.415, 0.325]])
TALENT_FG_PCT_SLOPE = 0.012
# League-wide targets the environment is calibrated to each season (real 2021-25 shot charts).
LEAGUE_ZONE_SHARES = np.array([0.433, 0.175, 0.392])
LEAGUE_ZONE_PCT = np.array([0.592, 0.434, 0.363])
USAGE_TALENT_SLOPE = 0.35
TALENT_CEILING = 3.2
MAX_FT_RATE = 0.5  # free-throw attempts per field-goal attempt

# Per-minute weights for the non-scoring counts: oreb, dreb, ast, stl, blk, tov, pf.
OTHER_STATS = ("offensive_rebounds", "defensive_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls")
OTHER_STAT_WEIGHTS = np.array(
    [
        [0.6, 0.8, 1.6, 1.1, 0.5, 1.2, 0.9],
        [1.0, 1.0, 0.9, 1.0, 0.9, 0.9, 1.0],
        [2.0, 1.5, 0.6, 0.8, 2.2, 0.9, 1.2],
    ]
)

FORM_SD = 0.22
FORM_AUTOCORRELATION = 0.95
BASE_INJURY_RATE = 0.016

ROSTER_SIZE = 15
TWO_WAY_SLOTS = 2
MAX_ROSTER = 17
FREE_AGENT, RETIRED = -1, -2

FIRST_NAMES = (
    "Aaron Adrian Alec Amari Andre Anthony Armand Austin Bennett Blake Brandon Bryce Caleb Cameron Carter Casey "
    "Cedric Chance Christian Cole Colin Corey Darius Dante Davion Deandre Dennis Derrick Devin Dominic Donovan "
    "Dorian Drew Duane Dylan Elias Emeka Eric Ethan Evan Felix Gabriel Garrett Grant Hakeem Harrison Isaiah "
    "Jabari Jaden Jalen Jamal Jared Jarrett Javon Jaylen Jerome Jonah Jordan Josh Julian Justin Kai Kelvin "
    "Kendall Kevin Keyon Kobe Lamar Landon Lonnie Luca Malik Marcus Mason Mateo Miles Moritz Nate Nikola Noah "
    "Omari Oscar Quentin Rashad Reggie Rodney Ryan Santiago Scottie Sekou Shane Terrence Theo Trey Tristan "
    "Tyrese Victor Wendell Xavier Zach Zion Álvaro Bogdan Dario Goran Jonáš Luka Matías Théo Vasilije"
).split()
LAST_NAMES = (
    "Abernathy Acres Adeyemi Alston Ambrose Arceneaux Ashford Baines Barlow Beckett Bellamy Benning Birch "
    "Blackwell Bolden Bramwell Brockman Burrell Calloway Carrington Castellano Chandler Coleridge Crestwood "
    "Dalton Danvers Dawkins Delacroix Dempsey Dorsett Drummond Easterling Ellery Emerson Fairbanks Fenwick "
    "Fontaine Fulton Garland Gentry Gladwell Goodwin Graves Halloway Hargrove Hartwell Haywood Hollins Holt "
    "Ingram Irving Jefferson Kimbrough Kingsley Lacroix Langford Larkin Lockhart Lowery Maddox Malone Marlowe "
    "Mayfield McCallum McKinnon Merriweather Monroe Morrow Nance Nwachukwu Oakley Okafor Okonkwo Ollivander "
    "Pemberton Pendleton Prescott Quarles Radcliffe Rainford Ramsey Redd Ridley Rowland Sandoval Saxton "
    "Sheffield Singleton Stallworth Stroud Sutton Tarver Thornton Tillman Upshaw Vance Waverly Westbrook "
    "Whitfield Winslow Woodard Yarbrough Zeller Ayodele Diallo N'Diaye O'Connell St. Clair Van Horne "
    "Dončević Jovanović Kovačić Marković Núñez Pérez Šarić Vučević Müller Sørensen Gonçalves"
).split()
NAME_SUFFIXES = (" Jr.", " II", " III")

INJURY_REASONS_SHORT = (
    "Left Ankle; Sprain", "Right Ankle; Sprain", "Right Knee; Soreness", "Left Knee; Soreness",
    "Lower Back; Spasms", "Illness; Non-COVID", "Left Hamstring; Tightness", "Right Hip; Contusion",
    "Right Wrist; Sprain", "Left Groin; Strain", "Right Calf; Tightness", "Left Thumb; Sprain",
)
INJURY_REASONS_MEDIUM = (
    "Right Hamstring; Strain", "Left Calf; Strain", "Right Foot; Plantar Fasciitis", "Left Ankle; Sprain",
    "Right Shoulder; Sprain", "Left Knee; Bone Bruise", "Right Groin; Strain", "Concussion Protocol",
)
INJURY_REASONS_LONG = (
    "Left Knee; ACL Tear", "Right Foot; Fracture", "Left Achilles; Rupture", "Right Knee; Meniscus Tear",
    "Left Hand; Fracture", "Right Ankle; Surgery",
)


def injury_label(reason: str) -> str:
    return reason if reason.startswith(("Rest", "G League")) else f"Injury/Illness - {reason}"


class Population:
    """Column-wise player attributes (numpy arrays indexed by player id) plus mutable in-season state."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.full_name: list[str] = []
        self.lookup: list[str] = []
        self._used_lookups: set[str] = set()
        self.age = np.zeros(0)
        self.position = np.zeros(0, dtype=int)
        self.talent = np.zeros(0)
        self.craft = np.zeros(0)
        self.minutes_factor = np.zeros(0)
        self.zone_share = np.zeros((0, 3))
        self.zone_skill = np.zeros((0, 3))
        self.ft_rate = np.zeros(0)
        self.ft_pct = np.zeros(0)
        self.stat_weights = np.zeros((0, len(OTHER_STATS)))
        self.durability = np.zeros(0)
        self.team = np.zeros(0, dtype=int)
        self.two_way = np.zeros(0, dtype=bool)
        self.form = np.zeros(0)
        self.injury_games_left = np.zeros(0, dtype=int)
        self.injury_reason = np.zeros(0, dtype=object)
        self.injury_started_day = np.zeros(0, dtype=int)
        self.games_back = np.zeros(0, dtype=int)
        self.last_injury_games = np.zeros(0, dtype=int)
        self.last_played_day = np.zeros(0, dtype=int)
        self.league_share_tilt = np.ones(3)
        self.league_pct_offset = np.zeros(3)

    @property
    def size(self) -> int:
        return len(self.full_name)

    def scoring_talent(self, players: np.ndarray) -> np.ndarray:
        """Talent with diminishing returns at the top, so the best season averages stay in the mid-30s."""
        return TALENT_CEILING * np.tanh(self.talent[players] / TALENT_CEILING)

    def usage(self, players: np.ndarray) -> np.ndarray:
        return np.exp(USAGE_TALENT_SLOPE * self.scoring_talent(players))

    def value(self, players: np.ndarray) -> np.ndarray:
        """Depth-chart value: scoring talent and craft."""
        return 0.75 * self.talent[players] + 0.55 * self.craft[players]

    def _raw_zone_pct(self, players: np.ndarray) -> np.ndarray:
        base = ZONE_PCT_BY_POSITION[self.position[players]]
        return base + TALENT_FG_PCT_SLOPE * self.scoring_talent(players)[:, None] + self.zone_skill[players]

    def zone_pct(self, players: np.ndarray) -> np.ndarray:
        return self._raw_zone_pct(players) + self.league_pct_offset

    def shot_profile(self, players: np.ndarray) -> np.ndarray:
        """Zone shares after the league-environment tilt (rows sum to 1)."""
        tilted = self.zone_share[players] * self.league_share_tilt
        return tilted / tilted.sum(axis=1, keepdims=True)

    def calibrate_league(self, teams: int, depth_minutes: np.ndarray) -> None:
        """League environment: tilt zone shares and shift zone FG% so that the shot-weighted league mix
        of the rostered players (weighted by depth-chart minutes x usage) lands on the real figures,
        whoever the stars are this season."""
        self.league_share_tilt = np.ones(3)
        self.league_pct_offset = np.zeros(3)
        players, weights = [], []
        for team in range(teams):
            roster = self.roster(team)
            roster = roster[np.argsort(-self.value(roster), kind="stable")][: len(depth_minutes)]
            players.append(roster)
            weights.append(depth_minutes[: len(roster)] * self.usage(roster))
        players, weights = np.concatenate(players), np.concatenate(weights)
        share = np.average(self.zone_share[players], axis=0, weights=weights)
        self.league_share_tilt = LEAGUE_ZONE_SHARES / share
        shots = weights[:, None] * self.shot_profile(players)
        self.league_pct_offset = LEAGUE_ZONE_PCT - (shots * self._raw_zone_pct(players)).sum(axis=0) / shots.sum(axis=0)

    def roster(self, team: int) -> np.ndarray:
        return np.flatnonzero(self.team == team)

    def _unique_name(self) -> str:
        rng = self.rng
        while True:
            name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))]} {LAST_NAMES[rng.integers(len(LAST_NAMES))]}"
            if rng.random() < 0.04:
                name += NAME_SUFFIXES[rng.integers(len(NAME_SUFFIXES))]
            lookup = normalize_player_lookup(name)
            if lookup not in self._used_lookups:
                self._used_lookups.add(lookup)
                return name

    def add_players(self, count: int, talent: np.ndarray, age: np.ndarray) -> np.ndarray:
        rng = self.rng
        names = [self._unique_name() for _ in range(count)]
        position = rng.choice(3, count, p=POSITION_MIX)
        share = np.array([rng.dirichlet(ZONE_SHARE_BY_POSITION[p] * 30) for p in position]).reshape(count, 3)
        ft_base = np.array([0.24, 0.25, 0.30])[position]
        ft_pct_base = np.array([0.80, 0.77, 0.70])[position]
        new = {
            "age": age,
            "position": position,
            "talent": talent,
            "craft": rng.normal(0.0, 1.0, count),
            "minutes_factor": rng.lognormal(0.0, 0.08, count),
            "zone_share": share,
            "zone_skill": rng.normal(0.0, [0.022, 0.025, 0.022], (count, 3)),
            "ft_rate": np.minimum(ft_base * np.exp(0.12 * talent + rng.normal(0.0, 0.22, count)), MAX_FT_RATE),
            "ft_pct": np.clip(ft_pct_base + 0.015 * talent + rng.normal(0.0, 0.06, count), 0.45, 0.93),
            "stat_weights": OTHER_STAT_WEIGHTS[position] * rng.lognormal(0.0, 0.3, (count, len(OTHER_STATS))),
            "durability": rng.lognormal(0.0, 0.4, count),
            "team": np.full(count, FREE_AGENT),
            "two_way": np.zeros(count, dtype=bool),
            "form": rng.normal(0.0, FORM_SD, count),
            "injury_games_left": np.zeros(count, dtype=int),
            "injury_reason": np.full(count, "", dtype=object),
            "injury_started_day": np.zeros(count, dtype=int),
            "games_back": np.full(count, 99),
            "last_injury_games": np.zeros(count, dtype=int),
            "last_played_day": np.full(count, -1000),
        }
        first = self.size
        for name in names:
            self.full_name.append(name)
            self.lookup.append(normalize_player_lookup(name))
        for attribute, values in new.items():
            setattr(self, attribute, np.concatenate([getattr(self, attribute), values]))
        return np.arange(first, self.size)

    def create_league(self, teams: int) -> None:
        """Opening population: 15 per team plus a free-agent pool, ages 19-38."""
        rng = self.rng
        count = teams * ROSTER_SIZE + 90
        age = 19.0 + rng.gamma(4.0, 1.6, count).clip(0, 19)
        talent = rng.normal(0.0, 1.0, count)
        players = self.add_players(count, talent, age)
        order = players[np.argsort(-(self.value(players) + rng.normal(0, 1.5, count)), kind="stable")]
        for pick, player in enumerate(order[: teams * ROSTER_SIZE]):
            round_number, slot = divmod(pick, teams)
            team = slot if round_number % 2 == 0 else teams - 1 - slot
            self.team[player] = team
        self._mark_two_way(teams)

    def _mark_two_way(self, teams: int) -> None:
        self.two_way[:] = False
        for team in range(teams):
            roster = self.roster(team)
            lowest = roster[np.argsort(self.value(roster), kind="stable")[:TWO_WAY_SLOTS]]
            self.two_way[lowest] = True

    def start_new_season(self, teams: int) -> None:
        """Aging, retirements, free agency, the draft, roster fill, form carried over at half strength."""
        rng = self.rng
        alive = np.flatnonzero(self.team != RETIRED)
        self._age_one_year(alive)
        retiring = alive[rng.random(len(alive)) < self._retirement_probability(alive)]
        self.team[retiring] = RETIRED
        rostered = np.flatnonzero(self.team >= 0)
        leaving = rostered[rng.random(len(rostered)) < 0.22]
        self.team[leaving] = FREE_AGENT
        draftees = self.add_players(2 * teams, rng.normal(-0.35, 0.8, 2 * teams), 19.0 + rng.gamma(2.0, 0.8, 2 * teams))
        draft_order = draftees[np.argsort(-self.talent[draftees], kind="stable")]
        for pick, player in enumerate(draft_order):
            self.team[player] = pick % teams
        self.add_players(25, rng.normal(-0.9, 0.6, 25), 21.0 + rng.gamma(2.0, 0.8, 25))
        self._trim_rosters(teams)
        self._fill_rosters(teams)
        self._mark_two_way(teams)
        self.form *= 0.5
        self.injury_games_left[:] = 0
        self.games_back[:] = 99

    def _age_one_year(self, players: np.ndarray) -> None:
        rng = self.rng
        age = self.age[players]
        growth = np.select(
            [age < 22, age < 25, age < 28, age < 31, age < 34],
            [0.25, 0.14, 0.04, -0.04, -0.13],
            default=-0.22,
        )
        self.talent[players] += growth + rng.normal(0.0, 0.2, len(players))
        self.craft[players] += 0.5 * growth + rng.normal(0.0, 0.15, len(players))
        self.age[players] += 1.0

    def _retirement_probability(self, players: np.ndarray) -> np.ndarray:
        age, value = self.age[players], self.value(players)
        probability = 0.02 + np.where(age >= 34, 0.3 + 0.1 * (age - 34), 0.0)
        probability += np.where((age >= 30) & (value < -1.0), 0.25, 0.0)
        probability += np.where(self.team[players] == FREE_AGENT, 0.15, 0.0)
        return np.clip(probability, 0.0, 0.95)

    def _trim_rosters(self, teams: int) -> None:
        for team in range(teams):
            roster = self.roster(team)
            if len(roster) > ROSTER_SIZE:
                weakest = roster[np.argsort(self.value(roster), kind="stable")[: len(roster) - ROSTER_SIZE]]
                self.team[weakest] = FREE_AGENT

    def _fill_rosters(self, teams: int) -> None:
        rng = self.rng
        while True:
            sizes = np.bincount(self.team[self.team >= 0], minlength=teams)
            needy = np.flatnonzero(sizes < ROSTER_SIZE)
            if len(needy) == 0:
                return
            team = int(needy[np.argmin(sizes[needy] + rng.random(len(needy)))])
            self.team[self.best_free_agent()] = team

    def best_free_agent(self) -> int:
        pool = np.flatnonzero(self.team == FREE_AGENT)
        if len(pool) < 5:
            pool = self.add_players(20, self.rng.normal(-1.0, 0.6, 20), 22.0 + self.rng.gamma(2.0, 1.0, 20))
        return int(pool[np.argmax(self.value(pool) + self.rng.normal(0.0, 0.5, len(pool)))])

    def trade(self, team_a: int, team_b: int) -> None:
        """Swap one or two mid-rotation players each way, keeping both rosters within 13-17."""
        rng = self.rng
        sent_a, sent_b = [(1, 1), (1, 1), (2, 1), (1, 2), (2, 2)][rng.integers(5)]
        size_a, size_b = len(self.roster(team_a)), len(self.roster(team_b))
        if not (13 <= size_a - sent_a + sent_b <= MAX_ROSTER and 13 <= size_b - sent_b + sent_a <= MAX_ROSTER):
            sent_a = sent_b = 1
        movers = [self._trade_pieces(team_a, sent_a), self._trade_pieces(team_b, sent_b)]
        for target, players in zip((team_b, team_a), movers, strict=True):
            self.team[players] = target
            self.two_way[players] = False

    def _trade_pieces(self, team: int, count: int) -> np.ndarray:
        """Mid-rotation players (depth 4-12) who are not out long-term."""
        roster = self.roster(team)
        ranked = roster[np.argsort(-self.value(roster), kind="stable")][3:12]
        healthy = ranked[self.injury_games_left[ranked] < 10]
        return healthy[self.rng.choice(len(healthy), count, replace=False)]

    def sign_free_agent(self, team: int) -> None:
        player = self.best_free_agent()
        self.team[player] = team
        self.form[player] = 0.0

    def injure(self, players: np.ndarray, day: int) -> None:
        """Injury durations in team games: many short (1-3), some medium (4-12), a few long (15-60)."""
        if len(players) == 0:
            return
        rng = self.rng
        kind = rng.choice(3, len(players), p=(0.66, 0.26, 0.08))
        games = np.choose(kind, [rng.integers(1, 4, len(players)), rng.integers(4, 13, len(players)), rng.integers(15, 61, len(players))])
        pools = (INJURY_REASONS_SHORT, INJURY_REASONS_MEDIUM, INJURY_REASONS_LONG)
        for player, k, n in zip(players, kind, games, strict=True):
            self.injury_games_left[player] = n
            self.last_injury_games[player] = n
            self.injury_reason[player] = pools[k][rng.integers(len(pools[k]))]
            self.injury_started_day[player] = day

    def knock_reason(self, rng: np.random.Generator) -> str:
        return INJURY_REASONS_SHORT[rng.integers(len(INJURY_REASONS_SHORT))]

    def injury_probability(self, players: np.ndarray, minutes: np.ndarray) -> np.ndarray:
        age = self.age[players]
        aging = 1.0 + 0.05 * np.clip(age - 29.0, 0.0, None)
        return BASE_INJURY_RATE * self.durability[players] * aging * minutes / 30.0


def update_form(population: Population, players: np.ndarray, rng: np.random.Generator) -> None:
    """AR(1) latent form, one step per game played."""
    innovation = np.sqrt(1.0 - FORM_AUTOCORRELATION**2) * FORM_SD
    population.form[players] = FORM_AUTOCORRELATION * population.form[players] + rng.normal(0.0, innovation, len(players))
