"""The 30 NBA franchises (2021-22 onward) with arena coordinates for travel distances."""

from __future__ import annotations

import math
import re

# tricode -> (team name, arena latitude, arena longitude)
NBA_TEAMS: dict[str, tuple[str, float, float]] = {
    "ATL": ("Atlanta Hawks", 33.757, -84.396),
    "BKN": ("Brooklyn Nets", 40.683, -73.976),
    "BOS": ("Boston Celtics", 42.366, -71.062),
    "CHA": ("Charlotte Hornets", 35.225, -80.839),
    "CHI": ("Chicago Bulls", 41.881, -87.674),
    "CLE": ("Cleveland Cavaliers", 41.496, -81.688),
    "DAL": ("Dallas Mavericks", 32.790, -96.810),
    "DEN": ("Denver Nuggets", 39.749, -105.008),
    "DET": ("Detroit Pistons", 42.341, -83.055),
    "GSW": ("Golden State Warriors", 37.768, -122.388),
    "HOU": ("Houston Rockets", 29.751, -95.362),
    "IND": ("Indiana Pacers", 39.764, -86.155),
    "LAC": ("LA Clippers", 34.043, -118.267),
    "LAL": ("Los Angeles Lakers", 34.043, -118.267),
    "MEM": ("Memphis Grizzlies", 35.138, -90.051),
    "MIA": ("Miami Heat", 25.781, -80.188),
    "MIL": ("Milwaukee Bucks", 43.045, -87.917),
    "MIN": ("Minnesota Timberwolves", 44.979, -93.276),
    "NOP": ("New Orleans Pelicans", 29.949, -90.082),
    "NYK": ("New York Knicks", 40.751, -73.993),
    "OKC": ("Oklahoma City Thunder", 35.463, -97.515),
    "ORL": ("Orlando Magic", 28.539, -81.384),
    "PHI": ("Philadelphia 76ers", 39.901, -75.172),
    "PHX": ("Phoenix Suns", 33.446, -112.071),
    "POR": ("Portland Trail Blazers", 45.532, -122.667),
    "SAC": ("Sacramento Kings", 38.580, -121.500),
    "SAS": ("San Antonio Spurs", 29.427, -98.438),
    "TOR": ("Toronto Raptors", 43.643, -79.379),
    "UTA": ("Utah Jazz", 40.768, -111.901),
    "WAS": ("Washington Wizards", 38.898, -77.021),
}

TEAM_CODE_PATTERN = re.compile(r"^[A-Z]{3}$")


def arena_distance_miles(team_a: str, team_b: str) -> float:
    """Great-circle distance between two NBA arenas in miles."""
    _, lat1, lon1 = NBA_TEAMS[team_a]
    _, lat2, lon2 = NBA_TEAMS[team_b]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))
