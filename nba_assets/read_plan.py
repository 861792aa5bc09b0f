"""What a range run reads and writes in BigQuery, step by step, and what that scans (`nba-assets estimate`).

A step reads each upstream table its asset takes as an input (only the columns the input names), over the window
the input's partition mapping gives for the run (derived here from the asset graph, as Dagster derives it), the raw
tables its asset depends on, over the run's window or the windows BODY_RAW_WINDOWS states, the quarantine ledger
over the run's window (every partitioned table is published through checks.governance.Publication) and (the points
model) the warehouse tables it trains on, over its training window. It replaces its rows of the ledger and its
table's window (a MERGE each). Every read filters the partitioning date column with bound DATE parameters, so
BigQuery scans only the window's partitions of the selected columns. Each step's reads are counted as the step sends
them: on BigQuery every step runs in a process of its own (multiprocess executor) and sends its own reads; a repeat
of an identical query may be answered from BigQuery's result cache at no charge, so the totals are an upper bound in
that respect. nba_assets_tests/test_bigquery_graph.py requires this plan to equal, query by query, what the steps of
a real range run send.

Bytes come either from BigQuery's dry runs (free: nothing runs; needs credentials and the real service, the emulator
estimates 0) or, with --measure, from reading the rows of each read's window on any storage and sizing them with
BigQuery's documented data sizes (INT64, FLOAT64, DATE, TIMESTAMP 8 bytes, BOOL 1, STRING 2 + its UTF-8 length,
NULL 0): a computation from the rows, not BigQuery's own estimate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from nba_assets.checks.ledger import QUARANTINE
from nba_assets.partitions import HISTORY_DAYS, game_days
from nba_assets.phase3.assets import ROSTER_LOOKBACK_DAYS
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions.assets import REPORT_ASSETS
from nba_assets.predictions.model import TRAINING_FEATURE_COLUMNS, TRAINING_PLAYER_COLUMNS, training_cutoffs, training_window_start
from nba_assets.raw.contract import RAW_TABLES
from nba_assets.raw.resource import ALL_TIME, RawSourceResource
from nba_assets.storage.schema import BOOL, STRING, TableSchema, registered
from nba_assets.storage.warehouse import Warehouse

RAW_DATASET = "nba_raw"
POINTS_MODEL_STEP = "nba_predictions__points_model"
MODEL_SCHEDULE_LOOKAHEAD_DAYS = 31  # the points model finds the months with games in the schedule a month ahead
TRAINING_COLUMNS = {ML_FEATURE_STORE.name: TRAINING_FEATURE_COLUMNS, PLAYER_GAME_SUMMARY.name: TRAINING_PLAYER_COLUMNS}
PHASE4_LINEAGE_STEPS = ("nba_precompute__team_defense_zone_analysis", "nba_precompute__player_shot_zone_analysis",
                        "nba_precompute__player_daily_cache")
UPCOMING_STEPS = ("nba_analytics__upcoming_team_game_context", "nba_analytics__upcoming_player_game_context")
# Raw reads whose windows are not (only) the run's: (step, raw table) -> its windows, each (days before the run's
# first day, days after its end): the rosters' lookback, the schedule history the lineage steps check spans against
BODY_RAW_WINDOWS = {
    **{(step, "espn_team_rosters"): ((ROSTER_LOOKBACK_DAYS, 0),) for step in UPCOMING_STEPS},
    **{(step, "nbac_schedule"): ((0, 0), (HISTORY_DAYS, 0)) for step in UPCOMING_STEPS},
    **{(step, "nbac_schedule"): ((HISTORY_DAYS, 0),) for step in PHASE4_LINEAGE_STEPS},
    (POINTS_MODEL_STEP, "nbac_schedule"): ((0, MODEL_SCHEDULE_LOOKAHEAD_DAYS),),
}
# Reads and writes through resources rather than the IO manager, left out of the plan: the slate renders the run's
# window of six tables through the warehouse resource (bounded like every read, test_bigquery_graph checks it, small
# beside the steps that build them); the pick ledger is appended to through the ledger resource only in a live
# pre-game run (a backfill publishes nothing), a MERGE on its key.
UNPLANNED_STEPS = {"nba_predictions__pick_slate"}
LEDGER_STEPS = {"nba_predictions__pick_publications"}
DEFAULT_FIXED_BYTES = 8  # INT64, FLOAT64, DATE, TIMESTAMP
MB = 1024 * 1024
MINIMUM_BILLED_PER_TABLE = 10 * MB  # on-demand pricing bills at least 10 MB per table a query references


@dataclasses.dataclass(frozen=True)
class Access:
    """One read (or a write's window) of one table: rows dated start <= date < end (None: unbounded)."""

    step: str
    kind: str  # "read", "raw read" or "write"
    table: str  # warehouse: dataset.table as declared; raw: the contract table's name
    columns: tuple[str, ...] | None  # None: every declared (or contract) column
    start: dt.date | None
    end: dt.date | None

    @property
    def label(self) -> str:
        window = "whole table" if self.start is None and self.end is None else f"[{self.start or '...'}, {self.end or '...'})"
        return f"{RAW_DATASET + '.' if self.kind == 'raw read' else ''}{self.table} {window}"


def _day(key: str) -> dt.date:
    return dt.date.fromisoformat(key)


def input_window(assets_def: dg.AssetsDefinition, upstream: dg.AssetKey, start: dt.date, end: dt.date
                 ) -> tuple[dt.date, dt.date] | None:
    """[first, last + 1 day) of the upstream partitions a run of [start, end] loads, as Dagster maps them; None when
    they map to no partition (the first days of the data)."""
    downstream = game_days.empty_subset().with_partition_key_range(
        game_days, dg.PartitionKeyRange(start.isoformat(), end.isoformat()))
    mapping = assets_def.get_partition_mapping(upstream) or dg.IdentityPartitionMapping()
    keys = sorted(mapping.get_upstream_mapped_partitions_result_for_partitions(
        downstream, game_days, game_days).partitions_subset.get_partition_keys())
    return (_day(keys[0]), _day(keys[-1]) + dt.timedelta(days=1)) if keys else None


def step_accesses(assets_def: dg.AssetsDefinition, graph_assets: dict[dg.AssetKey, dg.AssetsDefinition],
                  start: dt.date, end: dt.date, raw: RawSourceResource) -> Iterator[Access]:
    """The reads and the write of one table asset's step in a run over [start, end] (inclusive days)."""
    step = assets_def.op.name
    partitioned = assets_def.partitions_def is not None
    run_end = end + dt.timedelta(days=1)
    if step in UNPLANNED_STEPS:
        return
    for name, key in assets_def.keys_by_input_name.items():
        upstream = graph_assets.get(key)
        if assets_def.op.ins[name].dagster_type.is_nothing or upstream is None:
            if key.path[0] == RAW_DATASET and raw.has_table(key.path[-1]):
                yield from _raw_reads(step, key.path[-1], start, run_end, partitioned)
            elif upstream is not None and step != POINTS_MODEL_STEP:
                # a warehouse table the body reads through the warehouse resource, over the run's days (the
                # ledger graded by prediction_accuracy); the points model's training reads follow
                yield Access(step, "read", registered(*key.path).qualified_name, None, start, run_end)
            continue
        table = registered(*key.path)
        columns = (assets_def.op.ins[name].metadata or {}).get("columns")  # the input's selected columns
        columns = tuple(columns) if columns else None
        if upstream.partitions_def is None:
            yield Access(step, "read", table.qualified_name, columns, None, None)
        elif partitioned:
            window = input_window(assets_def, key, start, end)
            if window is not None:
                yield Access(step, "read", table.qualified_name, columns, *window)
    if step == POINTS_MODEL_STEP:
        yield from _training_reads(step, start, run_end, raw)
    if step in LEDGER_STEPS:
        return
    table = registered(*assets_def.key.path)
    if partitioned:
        # every partitioned table is published through checks.governance.Publication: it reads the quarantine
        # ledger over the run's days and replaces its own rows of it there before writing the table
        yield Access(step, "read", QUARANTINE.qualified_name, None, start, run_end)
        yield Access(step, "write", QUARANTINE.qualified_name, None, start, run_end)
    yield Access(step, "write", table.qualified_name, None, *((start, run_end) if partitioned else (None, None)))


def _raw_reads(step: str, table: str, start: dt.date, end: dt.date, partitioned: bool) -> Iterator[Access]:
    if not partitioned:
        yield Access(step, "raw read", table, None, *ALL_TIME)
        return
    for before, after in BODY_RAW_WINDOWS.get((step, table), ((0, 0),)):
        yield Access(step, "raw read", table, None, start - dt.timedelta(days=before), end + dt.timedelta(days=after))


def _training_reads(step: str, start: dt.date, end: dt.date, raw: RawSourceResource) -> Iterator[Access]:
    """The points model's reads of its training window: from the first cutoff's window start to the run's last
    training cutoff (none without a cutoff)."""
    schedule = raw.read("nbac_schedule", start, end + dt.timedelta(days=MODEL_SCHEDULE_LOOKAHEAD_DAYS))
    cutoffs = training_cutoffs(schedule, pd.Timestamp(start), pd.Timestamp(end))
    if cutoffs:
        first, last = training_window_start(min(cutoffs)).date(), max(cutoffs).date()
        for table in (ML_FEATURE_STORE, PLAYER_GAME_SUMMARY):
            yield Access(step, "read", table.qualified_name, TRAINING_COLUMNS[table.name], first, last)


def run_plan(defs: dg.Definitions, start: dt.date, end: dt.date, raw: RawSourceResource) -> list[Access]:
    """Every distinct read and each write of one run of the whole graph over [start, end], step by step."""
    graph = defs.get_repository_def().assets_defs_by_key
    reports = {a.key for a in REPORT_ASSETS}  # on demand, not part of a run of the graph (definitions.graph_job)
    table_assets = {key: a for key, a in graph.items() if a.is_materializable and key not in reports}
    plan: list[Access] = []
    for assets_def in dict.fromkeys(table_assets.values()):
        plan.extend(dict.fromkeys(step_accesses(assets_def, table_assets, start, end, raw)))
    return plan


def bigquery_size(frame: pd.DataFrame, table: TableSchema | None) -> int:
    """Bytes BigQuery counts for these values: 8 per INT64/FLOAT64/DATE/TIMESTAMP, 1 per BOOL, 2 + UTF-8 length per
    STRING, 0 per NULL (types from the declaration, or from the frame's dtypes for raw tables)."""
    total = 0
    for column in frame.columns:
        values = frame[column].dropna()
        declared = next((c.type for c in table.columns if c.name == column), None) if table else None
        is_string = declared == STRING if declared else (values.dtype == object or pd.api.types.is_string_dtype(values))
        if is_string:
            total += int(values.astype(str).str.encode("utf-8").str.len().sum()) + 2 * len(values)
        elif declared == BOOL or (declared is None and pd.api.types.is_bool_dtype(values)):
            total += len(values)
        else:
            total += DEFAULT_FIXED_BYTES * len(values)
    return total


def measure(access: Access, warehouse: Warehouse, raw: RawSourceResource) -> int:
    """The bytes of the access's window and columns, read from any storage and sized as BigQuery counts them."""
    if access.kind == "raw read":
        frame = raw.read(access.table, access.start, access.end)
        return bigquery_size(frame, None)
    table = registered(*access.table.split("."))
    frame = warehouse.read_table(table, access.start, access.end, access.columns)
    return bigquery_size(frame, table)


def billed(processed: int) -> int:
    """On-demand bytes billed for one query over one table: rounded up to the MB, at least 10 MB."""
    return max(MINIMUM_BILLED_PER_TABLE, -(-processed // MB) * MB)


def bigquery_statement(access: Access, warehouse, raw: RawSourceResource) -> tuple[str, list] | None:
    """The statement BigQuery runs for a read (for a write: the scan of the target's window that its MERGE makes);
    None for an absent optional raw table. warehouse is a BigQueryWarehouse, raw reads nba_raw."""
    if access.kind == "raw read":
        return raw.source().statement(access.table, access.start, access.end)
    return warehouse.read_statement(registered(*access.table.split(".")), access.start, access.end, access.columns)


def estimate(plan: list[Access], warehouse: Warehouse, raw: RawSourceResource, by_measuring: bool
             ) -> list[tuple[Access, int | None]]:
    """(access, bytes) for each access: BigQuery's dry-run estimate (None: the table is not stored yet, so nothing
    can be priced), or with by_measuring the window's rows sized as BigQuery counts them."""
    sized = []
    for access in plan:
        if by_measuring:
            sized.append((access, measure(access, warehouse, raw)))
            continue
        statement = bigquery_statement(access, warehouse, raw)
        sized.append((access, warehouse.dry_run(*statement) if statement else 0))
    return sized


def report(sized: list[tuple[Access, int | None]]) -> dict:
    """Per step: distinct reads, bytes processed, bytes billed; the writes' windows; totals; the tables not stored
    yet (counted as 0)."""
    steps: dict[str, dict] = {}
    not_stored = sorted({access.table for access, size in sized if size is None})
    for access, size in sized:
        size = size or 0
        step = steps.setdefault(access.step, {"reads": 0, "read_bytes": 0, "billed_bytes": 0, "write_window_bytes": 0})
        if access.kind == "write":
            step["write_window_bytes"] += size
        else:
            step["reads"] += 1
            step["read_bytes"] += size
            step["billed_bytes"] += billed(size)
    totals = {key: sum(step[key] for step in steps.values())
              for key in ("reads", "read_bytes", "billed_bytes", "write_window_bytes")}
    return {"steps": steps, "totals": totals, "not_stored": not_stored}


def _size(n: int) -> str:
    for unit, scale in (("GB", 1024 ** 3), ("MB", MB), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def format_report(result: dict, title: str) -> str:
    lines = [title, f"{'step':<46} {'reads':>5} {'processed':>11} {'billed':>11} {'write window':>13}"]
    for name, step in [*result["steps"].items(), ("total", result["totals"])]:
        lines.append(f"{name:<46} {step['reads']:>5} {_size(step['read_bytes']):>11} {_size(step['billed_bytes']):>11} "
                     f"{_size(step['write_window_bytes']):>13}")
    if result["not_stored"]:
        lines.append(f"not stored yet, counted as 0: {', '.join(result['not_stored'])}")
    lines.append("processed: what the reads scan, each step's reads as it sends them (repeats of an identical query may "
                 "come from BigQuery's cache at no charge). billed: on-demand, each "
                 "query rounded up to the MB and at least 10 MB per table. write window: the table's rows in the run's "
                 "window as stored now; a MERGE scans them and the staged rows (on a first run only the staged rows).")
    return "\n".join(lines)
