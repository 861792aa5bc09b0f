"""BigQuery storage through dagster-gcp, with the semantics of our DuckDB storage (storage/duckdb.py).

The stock BigQueryPandasIOManager deletes the partition window with string-formatted TIMESTAMP bounds (which
fails on a DATE column), then appends with a second job that creates an unpartitioned table from auto-detected,
upper-cased columns; a reader can see the window deleted and not yet rewritten. Here:
- tables are created from the declared schema, DATE-partitioned on the declared date column, with the declared
  column names, in the dataset named by the asset key prefix (plus an optional environment suffix);
- a write replaces its window in one MERGE statement, atomically (see `WarehouseTables.replace`); days of the
  window without rows end up empty, rows dated outside the window are refused;
- reads bind the window as DATE query parameters, return the declared dtypes, and an absent table reads as an
  empty, typed frame;
- every job has a server-side timeout and is re-run on transient errors;
- credentials come from the environment (application default credentials: GOOGLE_APPLICATION_CREDENTIALS,
  gcloud, workload identity); `api_endpoint` points at an emulator instead, with anonymous credentials.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import logging
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from dagster._core.storage.db_io_manager import DbIOManager, DbTypeHandler, TableSlice
from dagster_gcp.bigquery.io_manager import BigQueryClient
from dagster_gcp_pandas import BigQueryPandasIOManager, BigQueryPandasTypeHandler
from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import NotFound
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY
from pydantic import Field

from nba_assets.storage.duckdb import check_rows_inside_window
from nba_assets.storage.schema import (
    BOOL,
    DATE,
    FLOAT64,
    INT64,
    STRING,
    TIMESTAMP,
    SchemaDriftError,
    TableRows,
    TableSchema,
    drift_message,
    registered,
)
from nba_assets.storage.ledger import Ledger, appendable
from nba_assets.storage.warehouse import Warehouse

DEFAULT_JOB_TIMEOUT_SECONDS = 900.0
DEFAULT_RETRY_DEADLINE_SECONDS = 1800.0
# the server cancels a job at its timeout; the client waits a little longer so it reports the server's error
CLIENT_WAIT_GRACE_SECONDS = 60.0
# a staging table outlives its write only if the process dies between load and clean-up
STAGING_TABLE_LIFETIME = dt.timedelta(days=1)

JOB_LOG = logging.getLogger("nba_assets.bigquery.jobs")

ARROW_TYPES = {
    STRING: pa.string(),
    INT64: pa.int64(),
    FLOAT64: pa.float64(),
    BOOL: pa.bool_(),
    DATE: pa.date32(),
    TIMESTAMP: pa.timestamp("us", tz="UTC"),
}

# the REST API names some types the legacy way (INTEGER, FLOAT, BOOLEAN)
BIGQUERY_TO_DECLARED = {"STRING": STRING, "INTEGER": INT64, "INT64": INT64, "FLOAT": FLOAT64, "FLOAT64": FLOAT64,
                        "BOOLEAN": BOOL, "BOOL": BOOL, "DATE": DATE, "TIMESTAMP": TIMESTAMP}

PANDAS_NULLABLE_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}


def bigquery_client(project: str, location: str | None, api_endpoint: str | None) -> bigquery.Client:
    """A client with application default credentials, or anonymous ones against an emulator at `api_endpoint`."""
    if api_endpoint is None:
        return bigquery.Client(project=project, location=location)
    return bigquery.Client(
        project=project,
        location=location,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=api_endpoint),
    )


def label_value(text: str) -> str:
    """BigQuery label values: at most 63 lowercase letters, digits, underscores and dashes."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:63]


def job_labels(step: str | None, run_id: str | None) -> dict[str, str]:
    """Labels of every job: INFORMATION_SCHEMA.JOBS and the billing export then attribute bytes and slots to the
    pipeline, its step (the asset's op, e.g. nba_analytics__player_game_summary) and its Dagster run."""
    labels = {"app": "nba_assets"}
    if step:
        labels["nba_assets_step"] = label_value(step)
    if run_id:
        labels["dagster_run_id"] = label_value(run_id)
    return labels


def current_step_labels() -> dict[str, str]:
    """job_labels of the asset or check step executing in this thread (none outside a run: the CLI's reads)."""
    for current in (dg.AssetExecutionContext.get, dg.AssetCheckExecutionContext.get):
        try:
            context = current().op_execution_context
        except dg.DagsterInvariantViolationError:
            continue
        return job_labels(context.op_def.name, context.run_id)
    return job_labels(None, None)


class BigQueryJobs:
    """One client and the policy every job follows: a server-side timeout, a re-run on transient errors
    (backendError, rateLimitExceeded, ...) until the retry deadline, and labels naming the step (`labels`, or the
    step executing when the job starts). Every job we run is safe to re-run: reads, loads that truncate their
    staging table, and MERGEs that replace a window. Each job is logged on JOB_LOG (DEBUG) with its SQL, parameters
    and labels."""

    def __init__(self, project: str, location: str | None, api_endpoint: str | None, timeout: float, retry_deadline: float,
                 labels: Mapping[str, str] | None = None):
        self.client = bigquery_client(project, location, api_endpoint)
        self.timeout = timeout
        self.job_retry = DEFAULT_JOB_RETRY.with_timeout(retry_deadline)
        self.labels = dict(labels) if labels is not None else None
        # the Storage Read API is faster for large results, but emulators do not serve it for query results
        self.use_storage_api = api_endpoint is None and importlib.util.find_spec("google.cloud.bigquery_storage") is not None

    def _labels(self) -> dict[str, str]:
        return self.labels if self.labels is not None else current_step_labels()

    def query(self, sql: str, params: Sequence[bigquery.ScalarQueryParameter] = ()) -> bigquery.table.RowIterator:
        labels = self._labels()
        config = bigquery.QueryJobConfig(query_parameters=list(params), job_timeout_ms=int(self.timeout * 1000), labels=labels)
        job = self.client.query(sql, job_config=config, job_retry=self.job_retry)
        parameters = {p.name: p.value for p in params}
        JOB_LOG.debug("job %s: %s %s", job.job_id, sql, parameters,
                      extra={"sql": sql, "parameters": parameters, "labels": labels, "job_id": job.job_id})
        return job.result(timeout=self.timeout + CLIENT_WAIT_GRACE_SECONDS, job_retry=self.job_retry)

    def dry_run(self, sql: str, params: Sequence[bigquery.ScalarQueryParameter] = ()) -> int:
        """The bytes BigQuery estimates the query would process (a dry run: free, nothing is executed)."""
        config = bigquery.QueryJobConfig(query_parameters=list(params), dry_run=True, use_query_cache=False,
                                         labels=self._labels())
        return int(self.client.query(sql, job_config=config).total_bytes_processed or 0)

    def frame(self, sql: str, params: Sequence[bigquery.ScalarQueryParameter] = ()) -> pd.DataFrame:
        """Query results with nullable integers, booleans and strings, and DATE as datetime64 (not objects)."""
        rows = self.query(sql, params).to_arrow(create_bqstorage_client=self.use_storage_api)
        return rows.to_pandas(types_mapper=PANDAS_NULLABLE_TYPES.get, date_as_object=False)

    def load(self, rows: pa.Table, table_id: str, schema: Sequence[bigquery.SchemaField]) -> None:
        """Replace the contents of `table_id` with `rows` (WRITE_TRUNCATE, so a re-run after an error is harmless)."""
        parquet = io.BytesIO()
        pq.write_table(rows, parquet)
        labels = self._labels()
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            schema=list(schema),
            job_timeout_ms=int(self.timeout * 1000),
            labels=labels,
        )
        JOB_LOG.debug("load %s rows into %s", rows.num_rows, table_id,
                      extra={"sql": None, "destination": table_id, "rows": rows.num_rows, "labels": labels})

        def load_once():
            job = self.client.load_table_from_file(parquet, table_id, rewind=True, job_config=config)
            job.result(timeout=self.timeout + CLIENT_WAIT_GRACE_SECONDS)

        self.job_retry(load_once)()

    def table_or_none(self, table_id: str) -> bigquery.Table | None:
        try:
            return self.client.get_table(table_id)
        except NotFound:
            return None


def date_parameter(name: str, value: dt.date) -> bigquery.ScalarQueryParameter:
    return bigquery.ScalarQueryParameter(name, "DATE", value)


def bigquery_schema(table: TableSchema) -> list[bigquery.SchemaField]:
    """Declared names and types; every column NULLABLE, as in DuckDB: TableSchema.conform enforces NOT NULL."""
    return [
        bigquery.SchemaField(c.name, c.type, description=(c.description + (f" [{c.unit}]" if c.unit else "")) or None)
        for c in table.columns
    ]


def arrow_rows(table: TableSchema, frame: pd.DataFrame) -> pa.Table:
    """A conformed frame as Arrow columns of the declared BigQuery types (DATE as date32, TIMESTAMP as UTC)."""
    arrays = {}
    for column in table.columns:
        values = pa.Array.from_pandas(frame[column.name])
        # TIMESTAMP: BigQuery keeps microseconds; truncating the nanoseconds pandas may carry is intended
        arrays[column.name] = values.cast(ARROW_TYPES[column.type], safe=column.type != TIMESTAMP)
    return pa.table(arrays)


def dataset_id(project: str, dataset_suffix: str, table: TableSchema) -> str:
    return f"{project}.{table.dataset}{dataset_suffix}"


def table_id(project: str, dataset_suffix: str, table: TableSchema) -> str:
    return f"{dataset_id(project, dataset_suffix, table)}.{table.name}"


def date_filter(
    table: TableSchema, start: dt.date | None, end: dt.date | None, qualifier: str = ""
) -> tuple[str, list[bigquery.ScalarQueryParameter]]:
    """`start <= date < end` (either bound optional) as SQL with bound DATE parameters; TRUE without bounds."""
    column = f"{qualifier}`{table.date_column}`"
    conditions, params = [], []
    if start is not None:
        conditions.append(f"{column} >= @window_start")
        params.append(date_parameter("window_start", start))
    if end is not None:
        conditions.append(f"{column} < @window_end")
        params.append(date_parameter("window_end", end))
    return " AND ".join(conditions) or "TRUE", params


def select_statement(
    target: str, table: TableSchema, start: dt.date | None, end: dt.date | None, columns: Sequence[str]
) -> tuple[str, list[bigquery.ScalarQueryParameter]]:
    condition, params = date_filter(table, start, end)
    return f"SELECT {', '.join(f'`{c}`' for c in columns)} FROM `{target}` WHERE {condition}", params


class WarehouseTables:
    """Our declared tables in a BigQuery project: dataset = asset key prefix + dataset_suffix."""

    def __init__(self, jobs: BigQueryJobs, project: str, dataset_suffix: str = ""):
        self.jobs = jobs
        self.project = project
        self.dataset_suffix = dataset_suffix

    def table_id(self, table: TableSchema) -> str:
        return table_id(self.project, self.dataset_suffix, table)

    def ensure_table(self, table: TableSchema) -> None:
        """Create the dataset and the DATE-partitioned table from the declared schema, if missing; refuse a stored
        table that has drifted from the declaration (SchemaDriftError). Looks first, so a service account without
        dataset-creation rights can write to datasets created for it."""
        stored = self.jobs.table_or_none(self.table_id(table))
        if stored is not None:
            refuse_drift(table, stored)
            return
        self.jobs.client.create_dataset(dataset_id(self.project, self.dataset_suffix, table), exists_ok=True)
        created = bigquery.Table(self.table_id(table), schema=bigquery_schema(table))
        created.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY, field=table.date_column)
        created.description = table.description
        self.jobs.client.create_table(created, exists_ok=True)

    def read(
        self, table: TableSchema, start: dt.date | None = None, end: dt.date | None = None, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rows with start <= date < end (either bound optional), in declared dtypes; empty if the table is absent."""
        wanted = list(columns) if columns else table.column_names
        try:
            frame = self.jobs.frame(*select_statement(self.table_id(table), table, start, end, wanted))
        except NotFound:
            frame = table.empty()[wanted]
        return table.conform(frame, wanted)

    def replace(self, table: TableSchema, frame: pd.DataFrame, start: dt.date | None, end: dt.date | None,
                only: tuple[str, str] | None = None) -> None:
        """Make the rows dated start <= date < end (the whole table without bounds) exactly `frame`, atomically.
        only = (column, value): just the window's rows with that STRING value (the quarantine ledger's table).

        The frame is loaded into a staging table; then one MERGE deletes the window's rows and inserts the staged
        ones. On BigQuery every DML statement is atomic: its deletes and inserts commit together or not at all,
        and readers see the table before or after it (snapshot isolation), never the window half-written. The
        constant filter on the partition column prunes the MERGE to the window's partitions, and a re-run after
        an ambiguous error gives the same result. An empty frame is a single DELETE, atomic for the same reason.

        Not chosen: WRITE_TRUNCATE loads into `table$YYYYMMDD` decorators are atomic per day only (a range would
        be one job per day, each using load quota), and a BEGIN...COMMIT script is not supported with query
        parameters by the emulator the tests run on (nor are partition decorators).
        """
        target = self.table_id(table)
        if frame.empty:
            window, params = _only(*date_filter(table, start, end), only, "")
            self.jobs.query(f"DELETE FROM `{target}` WHERE {window}", params)
            return
        window, params = _only(*date_filter(table, start, end, qualifier="target."), only, "target.")
        staging = f"{target}__staging_{uuid.uuid4().hex[:12]}"
        staging_table = bigquery.Table(staging, schema=bigquery_schema(table))
        staging_table.expires = dt.datetime.now(dt.UTC) + STAGING_TABLE_LIFETIME
        self.jobs.client.create_table(staging_table)
        try:
            self.jobs.load(arrow_rows(table, frame), staging, bigquery_schema(table))
            columns = ", ".join(f"`{c}`" for c in table.column_names)
            staged = ", ".join(f"source.`{c}`" for c in table.column_names)
            self.jobs.query(
                f"MERGE `{target}` AS target USING `{staging}` AS source ON FALSE "
                f"WHEN NOT MATCHED BY SOURCE AND {window} THEN DELETE "
                f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({staged})",
                params,
            )
        finally:
            self.jobs.client.delete_table(staging, not_found_ok=True)

    def append(self, table: TableSchema, frame: pd.DataFrame) -> int:
        """Adds the rows of `frame` whose key is not stored yet (storage.ledger), in one MERGE: atomic, and a re-run
        after an ambiguous error adds nothing twice. Returns how many rows were added."""
        self.ensure_table(table)
        target = self.table_id(table)
        staging = f"{target}__staging_{uuid.uuid4().hex[:12]}"
        staging_table = bigquery.Table(staging, schema=bigquery_schema(table))
        staging_table.expires = dt.datetime.now(dt.UTC) + STAGING_TABLE_LIFETIME
        self.jobs.client.create_table(staging_table)
        try:
            self.jobs.load(arrow_rows(table, frame), staging, bigquery_schema(table))
            columns = ", ".join(f"`{c}`" for c in table.column_names)
            staged = ", ".join(f"source.`{c}`" for c in table.column_names)
            same_key = " AND ".join(f"target.`{k}` = source.`{k}`" for k in table.key)
            # counted before the MERGE (the emulator reports no DML row count): a concurrent writer of the same
            # keys could make it an overcount, never a duplicate row
            new_rows = self.jobs.frame(f"SELECT COUNT(*) AS n FROM `{staging}` AS source WHERE NOT EXISTS "
                                       f"(SELECT 1 FROM `{target}` AS target WHERE {same_key})")["n"].iloc[0]
            self.jobs.query(f"MERGE `{target}` AS target USING `{staging}` AS source ON {same_key} "
                            f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({staged})")
            return int(new_rows)
        finally:
            self.jobs.client.delete_table(staging, not_found_ok=True)


def drift(table: TableSchema, stored: bigquery.Table) -> list[str]:
    """How the stored table differs from the declaration: columns, types and order, modes (each NULLABLE), and
    DATE partitioning by day on the declared date column (otherwise no read would be pruned)."""
    layout = [f"column {field.name}: stored mode {field.mode}, declared NULLABLE" for field in stored.schema
              if field.mode != "NULLABLE"]
    partitioning = stored.time_partitioning
    stored_partitioning = f"{partitioning.type_} on {partitioning.field}" if partitioning else "none"
    if stored_partitioning != f"DAY on {table.date_column}":
        layout.append(f"partitioning: stored {stored_partitioning}, declared DAY on {table.date_column}")
    return [*table.drift(stored_columns(stored), BIGQUERY_TO_DECLARED), *layout]


def stored_columns(stored: bigquery.Table) -> list[tuple[str, str]]:
    return [(field.name, field.field_type) for field in stored.schema]


def refuse_drift(table: TableSchema, stored: bigquery.Table) -> None:
    """SchemaDriftError naming every difference unless the stored table matches the declaration (drift)."""
    problems = drift(table, stored)
    if problems:
        raise SchemaDriftError(drift_message(table, stored.full_table_id.replace(":", "."), problems))


def _only(condition: str, params: list, only: tuple[str, str] | None, qualifier: str) -> tuple[str, list]:
    if only is None:
        return condition, params
    column, value = only
    return (f"{condition} AND {qualifier}`{column}` = @only_value",
            [*params, bigquery.ScalarQueryParameter("only_value", "STRING", value)])


def window_of(table_slice: TableSlice) -> tuple[dt.date | None, dt.date | None]:
    """The calendar dates [start, end) of a slice's time window; (None, None) for an unpartitioned table."""
    for dimension in table_slice.partition_dimensions:
        if isinstance(dimension.partitions, dg.TimeWindow):
            return dimension.partitions.start.date(), dimension.partitions.end.date()
    return None, None


class WarehouseBigQueryClient(BigQueryClient):
    """dagster-gcp's DbClient with declared tables, an optional emulator endpoint and an environment suffix.

    The window is not deleted ahead of the write: the type handler replaces it in one statement, so a write that
    fails leaves the previous rows in place.
    """

    def __init__(self, settings: WarehouseBigQueryIOManager):
        super().__init__()
        self.settings = settings

    @contextmanager
    def connect(self, context, table_slice: TableSlice) -> Iterator[WarehouseTables]:
        """Jobs labelled with the step that loads the input or writes the output (and a write's run: an input's
        context does not say which run loads it)."""
        s = self.settings
        labels = job_labels(context.op_def.name, context.run_id if isinstance(context, dg.OutputContext) else None)
        jobs = BigQueryJobs(s.project, s.location, s.api_endpoint, s.timeout, s.retry_deadline, labels)
        yield WarehouseTables(jobs, s.project, s.dataset_suffix)

    def ensure_schema_exists(self, context, table_slice: TableSlice, connection: WarehouseTables) -> None:
        connection.ensure_table(registered(table_slice.schema, table_slice.table))

    def delete_table_slice(self, context, table_slice: TableSlice, connection: WarehouseTables) -> None:
        """Nothing to delete ahead: WarehouseTables.replace swaps the window in one statement."""

    def get_select_statement(self, table_slice: TableSlice) -> str:
        table = registered(table_slice.schema, table_slice.table)
        target = table_id(self.settings.project, self.settings.dataset_suffix, table)
        sql, _ = select_statement(target, table, *window_of(table_slice), table_slice.columns or table.column_names)
        return sql

    def get_table_name(self, table_slice: TableSlice) -> str:
        return table_id(self.settings.project, self.settings.dataset_suffix, registered(table_slice.schema, table_slice.table))


class DeclaredSchemaBigQueryTypeHandler(BigQueryPandasTypeHandler):
    def handle_output(self, context: dg.OutputContext, table_slice: TableSlice, obj: pd.DataFrame, connection: WarehouseTables):
        table = registered(table_slice.schema, table_slice.table)
        frame = table.conform(obj)
        check_rows_inside_window(table, frame, table_slice)
        connection.replace(table, frame, *window_of(table_slice))
        context.add_output_metadata({"dagster/row_count" if not context.has_partition_key else "rows_written": len(frame)})

    def load_input(self, context: dg.InputContext, table_slice: TableSlice, connection: WarehouseTables) -> pd.DataFrame:
        table = registered(table_slice.schema, table_slice.table)
        columns = table_slice.columns or table.column_names
        if table_slice.partition_dimensions and len(context.asset_partition_keys) == 0:
            return table.empty()[list(columns)]
        return connection.read(table, *window_of(table_slice), columns=columns)


class TableRowsBigQueryTypeHandler(DeclaredSchemaBigQueryTypeHandler):
    """The quarantine ledger's rows for the table and window, then the table's published rows. BigQuery commits
    each statement on its own: the ledger goes first, so an interrupted write never leaves a quarantined day's
    rows without its reason (the run fails, and rebuilding the days replaces both)."""

    @property
    def supported_types(self):
        return [TableRows]

    def handle_output(self, context: dg.OutputContext, table_slice: TableSlice, obj: TableRows, connection: WarehouseTables):
        from nba_assets.checks.ledger import QUARANTINE

        table = registered(table_slice.schema, table_slice.table)
        connection.ensure_table(QUARANTINE)
        connection.replace(QUARANTINE, QUARANTINE.conform(obj.quarantine), *window_of(table_slice),
                           only=("table_name", table.qualified_name))
        super().handle_output(context, table_slice, obj.rows, connection)


class WarehouseBigQueryIOManager(BigQueryPandasIOManager):
    """BigQueryPandasIOManager with declared schemas, DATE-partitioned tables and atomic window replacement.

    Datasets are the asset key prefixes (nba_analytics, nba_precompute, nba_predictions) plus `dataset_suffix`;
    every write replaces its window or table, so the inherited `dataset` and `write_mode` must stay unset.
    Credentials are application default credentials from the environment (docs/production.md).
    """

    api_endpoint: str | None = Field(
        default=None, description="BigQuery REST endpoint of an emulator (anonymous credentials); unset = Google's"
    )
    dataset_suffix: str = Field(default="", description="appended to every dataset name, e.g. '_staging'")
    timeout: float = Field(default=DEFAULT_JOB_TIMEOUT_SECONDS, description="seconds a job may run before BigQuery cancels it")
    retry_deadline: float = Field(
        default=DEFAULT_RETRY_DEADLINE_SECONDS, description="seconds during which a job failing on a transient error is re-run"
    )

    @staticmethod
    def type_handlers() -> Sequence[DbTypeHandler]:
        return [DeclaredSchemaBigQueryTypeHandler(), TableRowsBigQueryTypeHandler()]

    def create_io_manager(self, context) -> DbIOManager:
        if self.dataset or self.write_mode != "truncate":
            raise ValueError(
                "WarehouseBigQueryIOManager: datasets come from asset key prefixes (use dataset_suffix) and every write "
                "replaces its window; leave `dataset` and `write_mode` unset"
            )
        return DbIOManager(
            db_client=WarehouseBigQueryClient(self),
            database=self.project,
            schema=None,
            type_handlers=self.type_handlers(),
            default_load_type=self.default_load_type(),
            io_manager_name="WarehouseBigQueryIOManager",
        )


class BigQueryLedger(Ledger):
    """Appends to the append-only tables in BigQuery (storage.ledger), like DuckDBLedger."""

    project: str
    location: str | None = None
    api_endpoint: str | None = None
    dataset_suffix: str = ""
    timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS
    retry_deadline: float = DEFAULT_RETRY_DEADLINE_SECONDS

    def append(self, table: TableSchema, frame: pd.DataFrame) -> int:
        jobs = BigQueryJobs(self.project, self.location, self.api_endpoint, self.timeout, self.retry_deadline)
        return WarehouseTables(jobs, self.project, self.dataset_suffix).append(table, appendable(table, frame))


class BigQueryWarehouse(Warehouse):
    """Read access to the BigQuery warehouse for checks, sensors and the CLI, like DuckDBWarehouse."""

    project: str
    location: str | None = None
    api_endpoint: str | None = None
    dataset_suffix: str = ""
    timeout: float = DEFAULT_JOB_TIMEOUT_SECONDS
    retry_deadline: float = DEFAULT_RETRY_DEADLINE_SECONDS

    def read_table(
        self,
        table: TableSchema,
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of `table` with start <= date < end (either bound optional), in declared dtypes."""
        return self._tables().read(table, start, end, columns)

    def read_statement(self, table: TableSchema, start: dt.date | None, end: dt.date | None,
                       columns: Sequence[str] | None = None) -> tuple[str, list[bigquery.ScalarQueryParameter]]:
        """The SELECT read_table runs (and the IO manager, for an input's window)."""
        return select_statement(self._tables().table_id(table), table, start, end, list(columns or table.column_names))

    def dry_run(self, sql: str, params: Sequence[bigquery.ScalarQueryParameter]) -> int | None:
        """BigQuery's estimate of the bytes the query processes; None when a table it reads is not stored yet."""
        try:
            return self._tables().jobs.dry_run(sql, params)
        except NotFound:
            return None

    def describe(self, table: TableSchema) -> list[tuple[str, str]] | None:
        stored = self._stored(table)
        if stored is None:
            return None
        return [(name, BIGQUERY_TO_DECLARED.get(kind, kind)) for name, kind in stored_columns(stored)]

    def drift(self, table: TableSchema) -> list[str] | None:
        stored = self._stored(table)
        return None if stored is None else drift(table, stored)

    def set_aside(self, table: TableSchema, new_name: str) -> str:
        """A copy job (free, keeps partitioning) to `new_name`, then the table is deleted."""
        tables = self._tables()
        source = tables.table_id(table)
        target = f"{dataset_id(self.project, self.dataset_suffix, table)}.{new_name}"
        tables.jobs.client.copy_table(source, target, job_config=bigquery.CopyJobConfig(
            write_disposition=bigquery.WriteDisposition.WRITE_EMPTY)).result(timeout=self.timeout)
        tables.jobs.client.delete_table(source)
        return target

    def _stored(self, table: TableSchema) -> bigquery.Table | None:
        tables = self._tables()
        return tables.jobs.table_or_none(tables.table_id(table))

    def _tables(self) -> WarehouseTables:
        jobs = BigQueryJobs(self.project, self.location, self.api_endpoint, self.timeout, self.retry_deadline)
        return WarehouseTables(jobs, self.project, self.dataset_suffix)
