"""The nba_assets code location."""

import dagster as dg

from nba_assets import settings
from nba_assets.automation.jobs import AUTOMATION_JOBS
from nba_assets.automation.sensors import SENSORS
from nba_assets.checks.warehouse import WAREHOUSE_CHECKS, warehouse_checks_job, warehouse_checks_schedule
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS, REPORT_ASSETS
from nba_assets.raw.resource import RAW_ASSET_SPECS
from nba_assets.resources import resources_from_environment

GRAPH_JOB_NAME, EVALUATION_JOB_NAME = "nba_graph", "prediction_evaluation"

# The warehouse checks judge the whole warehouse (coverage to the last Final game, freshness to today): run inside a
# season's range run they would fail on every later season; `nba-assets backfill` runs them once after its runs.
graph_job = dg.define_asset_job(
    GRAPH_JOB_NAME,
    selection=dg.AssetSelection.all().materializable() - dg.AssetSelection.checks(*WAREHOUSE_CHECKS)
    - dg.AssetSelection.assets(*REPORT_ASSETS),
    description="Every table of the pipeline over a partition range, in dependency order, in one run, with its "
                "per-day checks (the warehouse checks are the warehouse_checks job; the evaluation report is on demand).",
)

# the evaluation reads every graded day: run on demand (`nba-assets evaluate`, the UI), not once per backfill run
evaluation_job = dg.define_asset_job(
    EVALUATION_JOB_NAME,
    selection=dg.AssetSelection.assets(*REPORT_ASSETS),
    description="The evaluation report of every graded prediction, with its tables and plots.",
)

defs = dg.Definitions(
    assets=[*RAW_ASSET_SPECS, *PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS, *REPORT_ASSETS],
    asset_checks=WAREHOUSE_CHECKS,
    jobs=[graph_job, evaluation_job, warehouse_checks_job, *AUTOMATION_JOBS],
    schedules=[warehouse_checks_schedule],
    sensors=SENSORS,
    resources=resources_from_environment(),
    # DuckDB takes one writing process: steps run one after the other in the run's process (no subprocess per
    # step); BigQuery runs steps in parallel, bounded by the `warehouse` pool (docs/production.md)
    executor=dg.in_process_executor if settings.storage_backend() == "duckdb" else dg.multiprocess_executor,
)
