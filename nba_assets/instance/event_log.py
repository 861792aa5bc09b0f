"""A SQLite event log that writes Dagster's event batches in one transaction.

A single-run range backfill emits, per asset and day, a planned and a materialized event and the day's check
evaluations. The stock SQLite storage writes each in its own connections and transactions (about 20 ms
apiece here), which made Dagster's bookkeeping cost more than the pipeline's computation. Dagster groups
those events into batches when DAGSTER_EVENT_BATCH_SIZE is set (our per-day check evaluations are logged as a
batch too, nba_assets.checks.daily); this storage writes a batch with one transaction per shard, the check
bookkeeping included, reuses its SQLAlchemy engines so statements stay compiled, and remembers which tables
exist instead of asking before each check evaluation. Storage layout and queries are unchanged.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager

from dagster import Field, StringSource
from dagster._core.event_api import EventLogEntry
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData, serialize_value
from sqlalchemy.pool import NullPool

RECOMMENDED_BATCH_SIZE = "1000"


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines = {}
        self._batch = threading.local()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False,
                                  description="default: $DAGSTER_HOME/history/runs, where Dagster keeps it")}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
                self._engines[shard] = engine
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def has_table(self, table_name: str) -> bool:
        """Asked before every check evaluation and event tag write; the stock storage opens a new engine each time.
        Tables are only ever added (by migrations), so a table once present is remembered."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    @contextmanager
    def index_connection(self):
        """Inside a batch, the batch's own index transaction (so Dagster's per-event check bookkeeping joins it)."""
        batch_connection = getattr(self._batch, "connection", None)
        if batch_connection is not None:
            yield batch_connection
            return
        with self._connect(INDEX_SHARD_NAME) as conn:
            yield conn

    def _store_asset_check_evaluation_planned(self, event: EventLogEntry, event_id: int | None) -> None:
        """Dagster's rows, one per planned partition, with the event serialized once instead of once per row (a
        season's range plans ~250 partitions per check)."""
        planned = event.get_dagster_event().event_specific_data
        partition_keys = planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        common = dict(asset_key=planned.asset_key.to_string(), check_name=planned.check_name, run_id=event.run_id,
                      execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
                      evaluation_event=serialize_value(event),
                      evaluation_event_timestamp=self._event_insert_timestamp(event),
                      evaluation_event_storage_id=event_id)
        with self.index_connection() as conn:
            conn.execute(AssetCheckExecutionsTable.insert(),
                         [{**common, "partition": partition_key} for partition_key in partition_keys])

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """The same rows as store_event for each event, written with one transaction per shard."""
        by_run = defaultdict(list)
        for event in events:
            by_run[event.run_id].append(event)
        for run_id, run_events in by_run.items():
            with self.run_connection(run_id) as conn:
                for event in run_events:
                    conn.execute(self.prepare_insert_event(event))
        with self.index_transaction() as conn:
            self._batch.connection = conn
            try:
                for event in events:
                    if not event.is_dagster_event:
                        continue
                    kind = event.dagster_event_type
                    if kind in ASSET_EVENTS:
                        event_id = conn.execute(self.prepare_insert_event(event)).inserted_primary_key[0]
                        self._store_asset_event_tags(conn, [event], [event_id])
                        self._store_asset_event(conn, event, event_id)
                    elif kind in ASSET_CHECK_EVENTS:
                        event_id = conn.execute(self.prepare_insert_event(event)).inserted_primary_key[0]
                        self.store_asset_check_event(event, event_id)
                    elif kind in EVENT_TYPE_TO_PIPELINE_RUN_STATUS:
                        conn.execute(self.prepare_insert_event(event))
            finally:
                self._batch.connection = None
