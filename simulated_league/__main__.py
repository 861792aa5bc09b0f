"""`python -m simulated_league demo-dates DAY`: the demo's seasons (the one under way or next up on DAY and the one
before) and its first partition (the first one's opening night), as Makefile variables."""

from __future__ import annotations

import datetime as dt
import sys

from simulated_league.calendar import opening_night, recent_seasons, season_name


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "demo-dates":
        print(__doc__, file=sys.stderr)
        return 2
    seasons = recent_seasons(dt.date.fromisoformat(argv[1]))
    print(f"DEMO_SEASONS={','.join(map(season_name, seasons))} DEMO_START={opening_night(seasons[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
