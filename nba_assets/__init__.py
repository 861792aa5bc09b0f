"""nba_assets: an NBA player-points prop pipeline as one Dagster asset graph."""

import warnings

from dagster import BetaWarning, PreviewWarning

# backfill_policy and allow_nonexistent_upstream_partitions are beta in Dagster 1.13; we use them on purpose.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)
