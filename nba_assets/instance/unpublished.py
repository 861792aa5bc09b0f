"""Quarantined days shown as failed partitions in the instance, with public Dagster APIs only.

A range run materializes every day of its range: Dagster records one materialization per partition when the
asset's output is stored, and open-source Dagster has no public way to take one back. The instance's
wipe_asset_partitions raises NotImplementedError on the SQLite and Postgres storages (partition wipes are a
Dagster+ storage feature, dagster-io/dagster#21976; requests #14749 "Allow wiping partitions" and #17836 "Allow
marking a partition in a single-run backfill as failed" are open). What the instance does know is a failed
attempt: a partition whose latest materialization attempt was planned by a run that failed shows as FAILED, above
an earlier materialization (the partitions page and DagsterInstance.get_status_by_partition rank FAILED first).

So after a table's step quarantines days, it runs `quarantined_days`: one small run per block of consecutive
quarantined days, of a stand-in asset with the table's key that plans those days and fails with the reason. The
partitions page shows the days failed and the run names why; the next successful materialization of a day clears
it. The failure of a run that is not part of a backfill is the daily run's alert (automation/sensors.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence

import dagster as dg

from nba_assets.instance.cli_runs import CLI_LAUNCHER, LAUNCHED_BY_TAG

JOB = "quarantined_days"
QUARANTINE_OF_RUN_TAG = "nba_assets/quarantine_of_run"  # the run whose step quarantined the days
TABLE_TAG, DAYS_TAG, REASON_TAG = "nba_assets/quarantined_table", "nba_assets/quarantined_days", "nba_assets/quarantine_reason"
QUIET_TAG = "nba_assets/quiet"  # the quarantining run belongs to a backfill: no alert
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
TAG_LIMIT = 4000  # Dagster's limit on a tag value's length is larger; a reason longer than this is cut
# With this variable set, Dagster plans a range as one event and a failed run marks no partition failed: the
# stand-in runs need one planned event per day, whatever the rest of the process uses.
SUBSET_PLANNED_EVENTS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def part_of_backfill(tags: Mapping[str, str]) -> bool:
    """A run of a backfill (the UI's or the CLI's), or marking days a backfill quarantined: it alerts nobody."""
    return "dagster/backfill" in tags or tags.get(LAUNCHED_BY_TAG) == CLI_LAUNCHER or QUIET_TAG in tags


def day_blocks(days: Sequence[str]) -> list[tuple[str, str]]:
    """Consecutive days merged into inclusive (first, last) blocks."""
    blocks: list[list[dt.date]] = []
    for day in sorted(dt.date.fromisoformat(d) for d in set(days)):
        if blocks and day - blocks[-1][1] == dt.timedelta(days=1):
            blocks[-1][1] = day
        else:
            blocks.append([day, day])
    return [(first.isoformat(), last.isoformat()) for first, last in blocks]


@contextlib.contextmanager
def _planned_event_per_partition() -> Iterator[None]:
    previous = os.environ.pop(SUBSET_PLANNED_EVENTS, None)
    try:
        yield
    finally:
        if previous is not None:
            os.environ[SUBSET_PLANNED_EVENTS] = previous


def _stand_in(asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition, reasons: Mapping[str, str]):
    @dg.asset(key=asset_key, partitions_def=partitions_def, backfill_policy=dg.BackfillPolicy.single_run(),
              description="Marks quarantined days of the table failed (nba_assets.instance.unpublished).")
    def quarantined(context) -> None:
        lines = [f"{day}: {reasons[day]}" for day in context.partition_keys]
        raise dg.Failure(description=f"{asset_key.to_user_string()}: quarantined, not published\n" + "\n".join(lines),
                         allow_retries=False)

    return quarantined


def mark_unpublished(instance: dg.DagsterInstance, asset_key: dg.AssetKey, partitions_def: dg.PartitionsDefinition,
                     reasons: Mapping[str, str], run_id: str, quiet: bool) -> list[str]:
    """Record the days of `reasons` ({day: why}) as failed partitions of `asset_key`; returns the marking runs' ids."""
    job = dg.Definitions(assets=[_stand_in(asset_key, partitions_def, reasons)],
                         jobs=[dg.define_asset_job(JOB)]).resolve_job_def(JOB)
    run_ids = []
    for first, last in day_blocks(list(reasons)):
        block = [day for day in sorted(reasons) if first <= day <= last]
        tags = {RANGE_START: first, RANGE_END: last, QUARANTINE_OF_RUN_TAG: run_id,
                TABLE_TAG: asset_key.to_user_string(), DAYS_TAG: f"{first} .. {last}" if first != last else first,
                REASON_TAG: reasons[block[0]][:TAG_LIMIT], **({QUIET_TAG: "true"} if quiet else {})}
        with _planned_event_per_partition():
            result = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False,
                                            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        run_ids.append(result.run_id)
    return run_ids
