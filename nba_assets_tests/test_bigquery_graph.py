"""The whole graph on BigQuery (the emulator) against the same graph on DuckDB, over the smallest range of the
simulated league where a model is trained: 2021-10-19 (the first day) to 2021-11-02, which crosses the month start
2021-11-01 (the first training cutoff, with two weeks of history behind it) and holds a no-game day (2021-10-31,
whose games are taken out of the league). BigQuery reads nba_raw from the emulator; DuckDB reads the same rows from
files.

- every table equals DuckDB's, float columns within FLOAT_TOLERANCE, everything else exactly, and every check
  evaluates as on DuckDB;
- per-day runs of the no-game day and the month start over the range run's warehouse give back exactly its rows
  (each day recomputed from the same history equals the range run's day, so by induction a warehouse built day
  by day equals one built by the range; that no step reads past its window is the jobs test's), and rerunning
  the last days as a range changes nothing;
- `nba-assets coverage` and `evaluate` give the same answers from BigQuery as from DuckDB;
- every job a step runs is logged with its step's label: each read of a partitioned table filters its date column
  with bound DATE parameters over exactly the window the step needs (partition pruning), and each write replaces
  exactly its window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from nba_assets.checks.ledger import QUARANTINE
from nba_assets.checks.warehouse import ALL_TABLES, WAREHOUSE_CHECKS
from nba_assets.phase3.assets import PHASE3_ASSETS
from nba_assets.phase4.assets import PHASE4_ASSETS
from nba_assets.predictions.assets import PREDICTION_ASSETS
from nba_assets.raw.contract import RAW_TABLES
from nba_assets.raw.resource import RAW_ASSET_SPECS, RawSourceResource
from nba_assets.read_plan import LEDGER_STEPS, UNPLANNED_STEPS, bigquery_statement, run_plan
from nba_assets.resources import bigquery_resources, duckdb_resources
from nba_assets.settings import BigQuerySettings
from nba_assets.storage.bigquery import JOB_LOG, BigQueryJobs
from nba_assets.storage.schema import FLOAT64
from nba_assets_tests.backends import WAREHOUSE_READER_COMMANDS, upload_raw
from nba_assets_tests.builders import RANGE_END, RANGE_START, check_evaluations
from nba_assets_tests.emulator import EMULATOR_PROJECT

# two whole-graph range runs (DuckDB, emulator) feed every test of the module; on a loaded machine they take minutes
pytestmark = [pytest.mark.emulator, pytest.mark.timeout(2400)]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GRAPH = [*PHASE3_ASSETS, *PHASE4_ASSETS, *PREDICTION_ASSETS]
FIRST_DAY, NO_GAME_DAY, MONTH_START, LAST_DAY = "2021-10-19", "2021-10-31", "2021-11-01", "2021-11-02"
RERUN_FROM = "2021-10-30"  # the range rerun: a game day, the no-game day, the month start, the day after
LEAGUE_UNTIL = pd.Timestamp("2021-12-01")  # raw rows kept: the range, and the schedule the training cutoffs look ahead in
# Both warehouses store IEEE doubles and hand them back bit for bit (Parquet loads, Arrow results), and the pipeline
# computes every value in pandas, so float columns are expected equal; the tolerance admits only a different
# summation order, should a reader ever return rows in another order.
FLOAT_TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


@pytest.fixture(scope="module")
def league(league_2021, tmp_path_factory) -> Path:
    """The simulated 2021-22 season until LEAGUE_UNTIL, without the games of NO_GAME_DAY."""
    folder = tmp_path_factory.mktemp("league_window")
    for name, spec in RAW_TABLES.items():
        path = league_2021 / f"{name}.parquet"
        if not path.exists():
            continue
        frame = pd.read_parquet(path)
        dates = pd.to_datetime(frame[spec.date_column])
        frame[(dates < LEAGUE_UNTIL) & (dates != pd.Timestamp(NO_GAME_DAY))].to_parquet(folder / path.name, index=False)
    return folder


@dataclasses.dataclass
class Run:
    result: dg.ExecuteInProcessResult
    instance: dg.DagsterInstance
    jobs: list[logging.LogRecord]


class JobRecorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_graph(resources: dict, raw: RawSourceResource, start: str, end: str, checks: bool = True) -> Run:
    """One run of every table asset with its own checks (and, with `checks`, the warehouse checks) over [start, end],
    with the BigQuery jobs it ran."""
    recorder = JobRecorder()
    level = JOB_LOG.level
    JOB_LOG.addHandler(recorder)
    JOB_LOG.setLevel(logging.DEBUG)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = dg.materialize(
            [*GRAPH, *WAREHOUSE_CHECKS] if checks else GRAPH, resources={**resources, "raw": raw}, instance=instance,
            tags={RANGE_START: start, RANGE_END: end}, run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
    finally:
        JOB_LOG.removeHandler(recorder)
        JOB_LOG.setLevel(level)
    assert result.success
    return Run(result, instance, recorder.records)


@dataclasses.dataclass
class BigQueryWarehouseUnderTest:
    settings: BigQuerySettings
    raw: RawSourceResource

    @property
    def resources(self) -> dict:
        return bigquery_resources(self.settings, self.raw)


def new_bigquery(emulator: str, league: Path) -> BigQueryWarehouseUnderTest:
    """Datasets of their own in the session's emulator, with the league uploaded as their nba_raw."""
    settings = BigQuerySettings(project=EMULATOR_PROJECT, api_endpoint=emulator, dataset_suffix=f"_{uuid.uuid4().hex[:8]}")
    raw_dataset = f"nba_raw{settings.dataset_suffix}"
    jobs = BigQueryJobs(EMULATOR_PROJECT, None, emulator, timeout=120, retry_deadline=120)
    upload_raw(jobs, f"{EMULATOR_PROJECT}.{raw_dataset}",
               {path.stem: pq.read_table(path) for path in sorted(league.glob("*.parquet"))})
    raw = RawSourceResource(bigquery_project=EMULATOR_PROJECT, bigquery_raw_dataset=raw_dataset, bigquery_api_endpoint=emulator)
    return BigQueryWarehouseUnderTest(dataclasses.replace(settings, raw_dataset=raw_dataset), raw)


def snapshot(resources: dict) -> dict[str, pd.DataFrame]:
    warehouse = resources["warehouse"]
    return {t.name: warehouse.read_table(t).sort_values(list(t.key)).reset_index(drop=True) for t in ALL_TABLES}


def check_outcomes(run: Run) -> dict[tuple[str, str, str | None], bool]:
    """(asset, check, day or None for a run's summary) -> passed, for every check evaluation of the run."""
    return {(e.asset_key.to_user_string(), e.check_name, e.partition): e.passed
            for e in check_evaluations(run.instance, run.result.run_id)}


@pytest.fixture(scope="module")
def duckdb_run(league, tmp_path_factory):
    resources = duckdb_resources(str(tmp_path_factory.mktemp("duckdb") / "warehouse.duckdb"), RawSourceResource())
    run = run_graph(resources, RawSourceResource(raw_dir=str(league)), FIRST_DAY, LAST_DAY)
    return resources, run, snapshot(resources)


@pytest.fixture(scope="module")
def bigquery_run(bigquery_emulator, league):
    warehouse = new_bigquery(bigquery_emulator, league)
    run = run_graph(warehouse.resources, warehouse.raw, FIRST_DAY, LAST_DAY)
    return warehouse, run, snapshot(warehouse.resources)


def compare_tables(actual: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> list[dict]:
    """Per table: rows, columns, float columns and their largest difference, and whether everything else is equal."""
    rows = []
    for table in ALL_TABLES:
        got, want = actual[table.name], expected[table.name]
        floats = [c.name for c in table.columns if c.type == FLOAT64]
        others = [c for c in table.column_names if c not in floats]
        same_shape = got.shape == want.shape
        largest = 0.0
        if same_shape and floats and len(want):
            a, b = got[floats].to_numpy(dtype=float), want[floats].to_numpy(dtype=float)
            both = ~np.isnan(a) & ~np.isnan(b)
            largest = float(np.max(np.abs(a - b), where=both, initial=0.0))
            floats_ok = (np.isnan(a) == np.isnan(b)).all() and np.allclose(a[both], b[both], **FLOAT_TOLERANCE)
        else:
            floats_ok = same_shape
        exact = same_shape and got[others].equals(want[others])
        rows.append({"table": table.qualified_name, "rows": len(got), "expected_rows": len(want), "columns": len(table.columns),
                     "float_columns": len(floats), "max_float_difference": largest, "floats_within_tolerance": bool(floats_ok),
                     "other_columns_exact": bool(exact)})
    return rows


def print_comparison(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'table':<46} {'rows':>6} {'cols':>5} {'float':>6} {'max |float diff|':>17} {'floats ok':>10} {'rest exact':>11}")
    for r in rows:
        rows_text = str(r["rows"]) if r["rows"] == r["expected_rows"] else f"{r['rows']}!={r['expected_rows']}"
        print(f"{r['table']:<46} {rows_text:>6} {r['columns']:>5} {r['float_columns']:>6} {r['max_float_difference']:>17.3g} "
              f"{str(r['floats_within_tolerance']):>10} {str(r['other_columns_exact']):>11}")


def assert_equal_tables(title: str, actual, expected) -> None:
    rows = compare_tables(actual, expected)
    print_comparison(title, rows)
    bad = [r["table"] for r in rows if not (r["rows"] == r["expected_rows"] and r["floats_within_tolerance"]
                                            and r["other_columns_exact"])]
    assert not bad, f"tables differ: {bad}"


def test_every_table_and_check_on_bigquery_equals_duckdb(duckdb_run, bigquery_run):
    _, duck, duck_tables = duckdb_run
    _, bq, bq_tables = bigquery_run
    assert_equal_tables(f"BigQuery (emulator) vs DuckDB, one range run {FIRST_DAY} .. {LAST_DAY}", bq_tables, duck_tables)

    models = bq_tables["points_model"]
    assert models["model_date"].tolist() == [pd.Timestamp(MONTH_START)]  # a model was trained at the month start
    predictions = bq_tables["player_prop_predictions"]
    xgboost = predictions[(predictions["system_id"] == "xgboost_v1") & (predictions["game_date"] >= pd.Timestamp(MONTH_START))]
    assert len(xgboost) and xgboost["predicted_points"].notna().all()
    for name in ("team_offense_game_summary", "player_game_summary", "ml_feature_store", "player_prop_predictions"):
        assert not (bq_tables[name]["game_date"] == pd.Timestamp(NO_GAME_DAY)).any(), name
        assert (bq_tables[name]["game_date"] == pd.Timestamp(NO_GAME_DAY) + pd.Timedelta(days=1)).any(), name

    checks = check_outcomes(bq)
    defined = {(key.asset_key.to_user_string(), key.name)
               for assets_def in [*GRAPH, *WAREHOUSE_CHECKS] for key in assets_def.check_keys}
    assert {(asset, name) for asset, name, _ in checks} == defined  # every check evaluated
    assert checks == check_outcomes(duck)
    print(f"checks: {len(defined)} defined, {len(checks)} evaluations, {sum(not p for p in checks.values())} failed "
          "(the same on DuckDB)")


def cli_output(command: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "nba_assets.cli", *command], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_coverage_and_evaluate_read_bigquery(duckdb_run, bigquery_run, league, tmp_path):
    duck_resources, _, _ = duckdb_run
    bq, _, _ = bigquery_run
    base = {**os.environ, "DAGSTER_HOME": str(tmp_path), "NBA_ASSETS_RAW_DIR": str(league)}
    duck_env = {**base, "NBA_ASSETS_STORAGE": "duckdb", "NBA_ASSETS_WAREHOUSE": duck_resources["warehouse"].database}
    bq_env = {**base, "NBA_ASSETS_STORAGE": "bigquery", "NBA_ASSETS_BQ_PROJECT": bq.settings.project,
              "NBA_ASSETS_BQ_API_ENDPOINT": bq.settings.api_endpoint, "NBA_ASSETS_BQ_DATASET_SUFFIX": bq.settings.dataset_suffix}
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster_home" / "dagster.yaml").read_text())
    for command in WAREHOUSE_READER_COMMANDS:
        from_bigquery = cli_output(command, bq_env)
        assert from_bigquery == cli_output(command, duck_env), command
        assert from_bigquery[next(iter(from_bigquery))], f"{command}: an empty report"
    coverage = cli_output(["coverage", "--json"], bq_env)["tables"]["player_prop_predictions"]["2021-22"]
    schedule = pd.read_parquet(league / "nbac_schedule.parquet")
    game_days_in_range = pd.to_datetime(schedule["game_date"]).between(FIRST_DAY, LAST_DAY)
    assert coverage["materialized"] == schedule.loc[game_days_in_range, "game_date"].nunique() == 14
    evaluation = cli_output(["evaluate", "--json"], bq_env)["seasons"]["2021-22"]
    assert evaluation["xgboost_v1"]["n"] > 0


FROM = re.compile(r"FROM `(?P<project>[^.`]+)\.(?P<dataset>[^.`]+)\.(?P<table>[^`]+)` WHERE (?P<where>.*)$", re.S)
BOUND = re.compile(r"`(?P<column>\w+)` (?P<op>>=|<) @(?P<param>\w+)")
DATE_LITERAL = re.compile(r"'\d{4}-\d{2}-\d{2}")


@dataclasses.dataclass(frozen=True)
class Read:
    dataset: str
    table: str
    columns: int
    start: dt.date | None
    end: dt.date | None

    def __str__(self) -> str:
        window = "whole table" if self.start is None and self.end is None else f"[{self.start or '-'}, {self.end or '-'})"
        return f"{self.dataset}.{self.table} {window} ({self.columns} columns)"


def parse_read(record: logging.LogRecord, suffix: str) -> Read:
    """A logged SELECT: the table, how many columns, and the date-column window its bound parameters give. Fails
    unless every condition is `date column >= / < @parameter` with a DATE bound, or there is none (TRUE)."""
    found = FROM.search(record.sql)
    assert found, record.sql
    dataset = found["dataset"].removesuffix(suffix)
    date_column = (RAW_TABLES[found["table"]].date_column if dataset == "nba_raw"
                   else next(t.date_column for t in (*ALL_TABLES, QUARANTINE) if (t.dataset, t.name) == (dataset, found["table"])))
    bounds = {m["op"]: m["param"] for m in BOUND.finditer(found["where"]) if m["column"] == date_column}
    leftover = BOUND.sub("", found["where"]).replace("AND", "").strip()
    assert leftover in ("", "TRUE") and set(bounds.values()) <= set(record.parameters), record.sql
    assert all(isinstance(record.parameters[p], dt.date) for p in bounds.values()), record.parameters
    columns = record.sql.split(" FROM ")[0].count("`")
    return Read(dataset, found["table"], columns // 2, record.parameters.get(bounds.get(">=")),
                record.parameters.get(bounds.get("<")))


def is_window_read(record: logging.LogRecord) -> bool:
    """A SELECT of rows (not the ledger's count of the staged keys it does not hold yet)."""
    return bool(record.sql) and record.sql.startswith("SELECT") and not record.sql.startswith("SELECT COUNT(*)")


def test_every_step_reads_its_window_through_bound_date_parameters(bigquery_run):
    """From the jobs the range run logged with their step's label: every read of a partitioned table filters its date
    column with bound DATE parameters (BigQuery prunes to those partitions) and each write replaces exactly the run's
    window; that each input's window is the one its partition mapping gives is the estimate test's (the plan derives
    the windows from the mappings and must equal these reads)."""
    warehouse, run, _ = bigquery_run
    suffix = warehouse.settings.dataset_suffix
    by_step = defaultdict(list)
    for record in run.jobs:
        by_step[record.labels.get("nba_assets_step")].append(record)
        assert record.sql is None or not DATE_LITERAL.search(record.sql), record.sql
    range_window = (dt.date.fromisoformat(FIRST_DAY), dt.date.fromisoformat(LAST_DAY) + dt.timedelta(days=1))
    print(f"\nBigQuery jobs of the range run {FIRST_DAY} .. {LAST_DAY}, by step (label nba_assets_step):")
    for assets_def in GRAPH:
        step = assets_def.op.name
        records = by_step.pop(step)
        reads = [parse_read(r, suffix) for r in records if is_window_read(r)]
        all_writes = [r for r in records if r.sql and r.sql.startswith(("MERGE", "DELETE"))]
        ledger_writes = [w for w in all_writes if f".{QUARANTINE.dataset}{suffix}.{QUARANTINE.name}`" in w.sql]
        writes = [w for w in all_writes if w not in ledger_writes]
        print(f"  {step}: {len(records)} jobs")
        for read in sorted(set(reads), key=str):
            print(f"    read  {read}")
        for write in writes:
            print(f"    write {write.sql.split()[0]} [{write.parameters.get('window_start', '-')}, "
                  f"{write.parameters.get('window_end', '-')})")
        partitioned = assets_def.partitions_def is not None
        assert reads, f"{step} read nothing"
        for read in reads:
            if read.table == "season_calendar" or (not partitioned and read.dataset == "nba_raw"):
                continue  # one row per season, read whole; the calendar is built from the whole schedule
            assert read.end is not None, f"{step} reads {read} without an upper bound"
            assert read.start is not None or step == "nba_predictions__points_model", f"{step} reads {read} unbounded"
        if step in UNPLANNED_STEPS:  # the slate writes no table
            assert not writes, (step, [w.sql for w in writes])
            continue
        if step in LEDGER_STEPS:  # a backfill publishes nothing: at most the ledger's append of no rows
            assert all(" WHEN NOT MATCHED THEN INSERT " in w.sql and not w.parameters for w in writes), writes
            continue
        assert len(writes) == 1, (step, [w.sql for w in writes])
        if partitioned:
            assert (writes[0].parameters["window_start"], writes[0].parameters["window_end"]) == range_window
            # a governed table replaces its own rows of the quarantine ledger, in the same window
            assert len(ledger_writes) <= 1, (step, [w.sql for w in ledger_writes])
            assert all((w.parameters["window_start"], w.parameters["window_end"], w.parameters["only_value"])
                       == (*range_window, ".".join(assets_def.key.path)) for w in ledger_writes), ledger_writes
    print("  warehouse checks (whole tables by design: schema, key uniqueness and coverage across every day):")
    for step, records in sorted(by_step.items(), key=lambda item: str(item[0])):
        reads = [parse_read(r, suffix) for r in records if is_window_read(r)]
        print(f"    {step}: {len(reads)} reads, e.g. {reads[0] if reads else '-'}")
        assert step in {c.op.name for c in WAREHOUSE_CHECKS}, f"jobs without a known step: {step}"


def statement_key(sql: str, parameters) -> tuple:
    values = parameters.items() if isinstance(parameters, dict) else ((p.name, p.value) for p in parameters)
    return sql, tuple(sorted(values))


WRITTEN = re.compile(r"^(?:MERGE|DELETE FROM) `[^.`]+\.(?P<dataset>[^.`]+)\.(?P<table>[^`]+)`")


def written_table(sql: str, suffix: str) -> str:
    found = WRITTEN.match(sql)
    assert found, sql
    return f"{found['dataset'].removesuffix(suffix)}.{found['table']}"


def test_the_estimate_plans_exactly_the_queries_a_run_sends(bigquery_run):
    """nba-assets estimate derives a run's reads without running it; they must be the reads the run sent. Each step
    of the (in-process) test run sends its warehouse reads; a raw read is sent by the first step asking for that
    table and window, and handed to the later ones by the run's raw resource (each step process of a multiprocess
    run sends its own): so warehouse reads must match step by step, raw reads must each be planned for the step that
    sent it, and the raw queries planned and sent must be the same."""
    warehouse, run, _ = bigquery_run
    defs = dg.Definitions(assets=[*RAW_ASSET_SPECS, *GRAPH], resources={**warehouse.resources, "raw": warehouse.raw})
    plan = run_plan(defs, dt.date.fromisoformat(FIRST_DAY), dt.date.fromisoformat(LAST_DAY), warehouse.raw)
    bigquery = warehouse.resources["warehouse"]
    planned = {(a.kind, a.step, *statement_key(*bigquery_statement(a, bigquery, warehouse.raw))) for a in plan
               if a.kind != "write"}
    steps = {a.op.name for a in GRAPH}
    raw_dataset = f"`{EMULATOR_PROJECT}.{warehouse.raw.bigquery_raw_dataset}."
    sent = {("raw read" if raw_dataset in r.sql else "read", r.labels["nba_assets_step"], *statement_key(r.sql, r.parameters))
            for r in run.jobs if is_window_read(r) and r.labels.get("nba_assets_step") in steps - UNPLANNED_STEPS}
    assert {q for q in planned if q[0] == "read"} == {q for q in sent if q[0] == "read"}
    planned_raw, sent_raw = {q for q in planned if q[0] == "raw read"}, {q for q in sent if q[0] == "raw read"}
    assert sent_raw <= planned_raw
    assert {q[2:] for q in planned_raw} == {q[2:] for q in sent_raw}
    suffix = warehouse.settings.dataset_suffix
    planned_writes = {(a.step, a.table, a.start, a.end) for a in plan if a.kind == "write"}
    sent_writes = {(r.labels["nba_assets_step"], written_table(r.sql, suffix), r.parameters.get("window_start"),
                    r.parameters.get("window_end"))
                   for r in run.jobs if r.sql and r.sql.startswith(("MERGE", "DELETE"))
                   and r.labels.get("nba_assets_step") not in LEDGER_STEPS}
    assert planned_writes == sent_writes


def estimate_output(env: dict, *flags: str) -> dict:
    return cli_output(["estimate", "--start", FIRST_DAY, "--end", LAST_DAY, "--json", *flags], env)


def test_estimate_dry_runs_on_the_emulator_and_measures_alike_on_both_storages(duckdb_run, bigquery_run, league, tmp_path):
    """Every planned query passes a dry run on the emulator (which estimates 0 bytes: it has no cost model); sizing
    the rows gives the same bytes from BigQuery as from DuckDB."""
    duck_resources, _, _ = duckdb_run
    bq, _, _ = bigquery_run
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster_home" / "dagster.yaml").read_text())
    bq_env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "NBA_ASSETS_STORAGE": "bigquery",
              "NBA_ASSETS_BQ_PROJECT": bq.settings.project, "NBA_ASSETS_BQ_API_ENDPOINT": bq.settings.api_endpoint,
              "NBA_ASSETS_BQ_DATASET_SUFFIX": bq.settings.dataset_suffix, "NBA_ASSETS_BQ_RAW_DATASET": bq.settings.raw_dataset}
    duck_env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "NBA_ASSETS_STORAGE": "duckdb",
                "NBA_ASSETS_WAREHOUSE": duck_resources["warehouse"].database, "NBA_ASSETS_RAW_DIR": str(league)}
    dry = estimate_output(bq_env)
    assert dry["method"] == "BigQuery dry runs"
    assert set(dry["steps"]) == {a.op.name for a in GRAPH} - UNPLANNED_STEPS
    assert dry["totals"]["reads"] > 50 and dry["totals"]["read_bytes"] == 0
    measured = estimate_output(bq_env, "--measure")
    assert measured["totals"]["read_bytes"] > 0
    assert measured["steps"] == estimate_output(duck_env, "--measure")["steps"]
    print(f"\nnba-assets estimate --start {FIRST_DAY} --end {LAST_DAY} on the emulator: {dry['totals']['reads']} reads "
          f"dry-run (0 bytes: no cost model); measured: {measured['totals']}")


def test_per_day_runs_and_reruns_equal_the_range_run(bigquery_run):
    """On the range run's own warehouse (so it comes after every test reading it), without the warehouse checks."""
    warehouse, _, range_tables = bigquery_run
    for day in (NO_GAME_DAY, MONTH_START):
        run_graph(warehouse.resources, warehouse.raw, day, day, checks=False)
        assert_equal_tables(f"BigQuery: {day} rerun as a one-day run over the range run", snapshot(warehouse.resources),
                            range_tables)
    run_graph(warehouse.resources, warehouse.raw, RERUN_FROM, LAST_DAY, checks=False)
    assert_equal_tables(f"BigQuery: the range {RERUN_FROM} .. {LAST_DAY} rerun over the range run",
                        snapshot(warehouse.resources), range_tables)
