"""One run of a job per partition day, in the instance at DAGSTER_HOME, the way a run worker does it: this process
loads the code location (nba_assets.definitions) and nothing else of the bench, then runs.

    python bench/run_worker.py JOB DAY...

Used by `make bench` for the daily increment (c) and the month of one-partition runs (d); prints the CLI's step
and run lines.
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from nba_assets.cli import progress_logger
from nba_assets.definitions import defs


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    job_name, partition_keys = argv[0], argv[1:]
    job = dg.Definitions.merge(defs, dg.Definitions(loggers={"progress": progress_logger})).resolve_job_def(job_name)
    instance = dg.DagsterInstance.get()
    failures = 0
    for key in partition_keys:
        print(f"\nrun {job_name} {key}", flush=True)
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, partition_key=key, run_config={"loggers": {"progress": {}}},
                                        raise_on_error=False)
        print(f"  run {result.run_id[:8]} {'succeeded' if result.success else 'FAILED'} in {time.perf_counter() - started:.1f} s",
              flush=True)
        failures += not result.success
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
