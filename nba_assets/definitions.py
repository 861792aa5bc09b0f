"""The nba_assets code location."""

import dagster as dg

from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.resource import RAW_ASSET_SPECS
from nba_assets.resources import resources_from_environment

GRAPH_JOB_NAME = "nba_graph"

graph_job = dg.define_asset_job(
    GRAPH_JOB_NAME,
    selection=dg.AssetSelection.all().materializable(),
    description="Every table of the pipeline over a partition range, in dependency order, in one run.",
)

defs = dg.Definitions(
    assets=[*RAW_ASSET_SPECS, *PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS],
    jobs=[graph_job],
    resources=resources_from_environment(),
)
