"""What Dagster alone costs for nba_graph's shape: the same per-day assets, dependencies and checks, doing no work.

Each per-day asset of the job `nba_graph` is replaced by one with its key, dependencies, partitions, backfill policy and
check specs whose body only records a row count per day (as every table asset does) and passes its checks. One
range run over [start, end] in the instance at DAGSTER_HOME, as `nba-assets backfill` runs a season:

    python bench/floor.py --start 2021-10-19 --end 2022-10-01

Prints the run's wall time and its materializations, so `make bench` can say what the whole graph cannot go below
on that instance however fast the computation gets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import dagster as dg

from nba_assets import settings
from nba_assets.cli import progress_logger
from nba_assets.definitions import defs
from nba_assets.instance.cli_runs import PLANNED_EVENTS_PER_RANGE, open_instance


def hollow(assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The asset's key, dependencies, partitions and checks around a body that computes nothing."""
    spec = next(iter(assets_def.specs))
    check_names = [check.name for check in assets_def.check_specs]

    @dg.asset(key=spec.key, deps=[dep.asset_key for dep in spec.deps], partitions_def=assets_def.partitions_def,
              backfill_policy=assets_def.backfill_policy, check_specs=list(assets_def.check_specs))
    def nothing(context):
        for key in context.partition_keys:
            context.add_asset_metadata({"rows": 0}, partition_key=key)
        yield dg.MaterializeResult()
        for name in check_names:
            yield dg.AssetCheckResult(check_name=name, passed=True)

    return nothing


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", required=True)
    parser.add_argument("--end", required=True)
    args = parser.parse_args(argv)
    for name, value in PLANNED_EVENTS_PER_RANGE.items():  # as `nba-assets backfill` runs
        os.environ.setdefault(name, value)
    # nba_graph's per-day assets: all but season_calendar (one row per season, rebuilt whole) and the on-demand report
    shape = [hollow(a) for a in defs.assets if isinstance(a, dg.AssetsDefinition) and a.partitions_def is not None]
    job = dg.define_asset_job("hollow_graph", selection=dg.AssetSelection.all())
    hollow_defs = dg.Definitions(assets=shape, jobs=[job], executor=dg.in_process_executor, loggers={"progress": progress_logger})
    with open_instance(settings.dagster_home()) as instance:  # as the CLI opens it: created with the project's dagster.yaml
        started = time.perf_counter()
        result = hollow_defs.resolve_job_def("hollow_graph").execute_in_process(
            instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}},
            tags={"dagster/asset_partition_range_start": args.start, "dagster/asset_partition_range_end": args.end})
        wall = time.perf_counter() - started
        materializations = len(result.get_asset_materialization_events())
    print(f"  hollow run {'succeeded' if result.success else 'FAILED'}: {len(shape)} assets, "
          f"{materializations} materializations in {wall:.1f} s ({wall / max(materializations, 1) * 1000:.1f} ms each)",
          flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
