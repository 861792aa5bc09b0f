"""The one partitions definition shared by every table asset: a calendar day in US Eastern time.

Every calendar day is a partition (a day without games materializes empty), starting with the first day of
the 2021-22 season, or the deployment's own first day (NBA_ASSETS_FIRST_DAY, read when the code loads). Windows
reaching before it read nothing there (allow_nonexistent_upstream_partitions). end_offset=1 exposes today's partition for pre-game work (upcoming contexts,
features and predictions for tonight's games).
"""

from __future__ import annotations

import dagster as dg

from nba_assets import settings

FIRST_GAME_DAY = settings.first_partition_day()
TIMEZONE = "America/New_York"

# How far back any table looks: a season (October to June) plus the previous season's end for early-season
# context and one-year head-to-head history.
HISTORY_DAYS = 366

game_days = dg.DailyPartitionsDefinition(start_date=FIRST_GAME_DAY, timezone=TIMEZONE, end_offset=1)


def history_window(days: int) -> dg.TimeWindowPartitionMapping:
    """Upstream mapping for a lookback that ends the day before: partition D reads days [D - days, D - 1].

    Ending at D - 1 makes same-day results unreachable for a single day; range runs load the union window
    and filter per day (see phase4.windows).
    """
    return dg.TimeWindowPartitionMapping(start_offset=-days, end_offset=-1, allow_nonexistent_upstream_partitions=True)
