"""make bench: the pipeline on four simulated seasons, under Dagster and as plain function calls.

What each figure means and how to read it: bench/README.md. Every run happens in a child process with its own
DAGSTER_HOME and DuckDB warehouse under data/bench/, so the project's instance and warehouse are never touched.

    python bench/run.py                      # the whole benchmark; the last line is the summary
    python bench/run.py execute JOB DAY...   # (child mode) one in-process run of JOB per partition DAY
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
from bare import STEPS

from nba_assets import settings
from nba_assets.calendar import SEASON_CALENDAR, build_season_calendar
from nba_assets.partitions import FIRST_GAME_DAY
from nba_assets.raw.sources import FileRawSource
from simulated_league import SIMULATION_MARKER

BENCH_DIR = settings.data_dir() / "bench"
RAW_DIR = BENCH_DIR / "raw"
HERE = Path(__file__).resolve().parent
NBA_ASSETS = Path(sys.executable).parent / "nba-assets"
SEASONS = (2021, 2022, 2023, 2024)
DAILY_DAY = dt.date(2025, 3, 5)  # a Wednesday with 11 games, late in 2024-25, not a model-training day
MONTH = (dt.date(2024, 11, 1), dt.date(2024, 11, 30))  # 30 days, 29 of them with games, one model cutoff
EVENT_BATCH_SIZE = "1000"

FULL_BACKFILL_TARGET_S = 180.0
OVERHEAD_RATIO_TARGET = 1.3
DAILY_INCREMENT_TARGET_S = 20.0
PEAK_RSS_TARGET_MB = 4096.0  # 4 GiB

STEP_LINE = re.compile(r"^\s+(?:ok|FAILED)\s+(\S+)\s+([\d.]+) s$")
RUN_LINE = re.compile(r"^\s+run \w+ (?:succeeded|FAILED) in ([\d.]+) s$")
BARE_SEASON_LINE = re.compile(r"^\s+done in ([\d.]+) s$")


@dataclass
class Child:
    wall_s: float
    peak_rss_mb: float
    lines: list[str]

    def step_seconds(self) -> dict[str, float]:
        """Seconds per step, summed over the child's runs (or seasons)."""
        totals: dict[str, float] = defaultdict(float)
        for line in self.lines:
            match = STEP_LINE.match(line)
            if match:
                totals[match.group(1)] += float(match.group(2))
        return dict(totals)

    def run_seconds(self, pattern: re.Pattern = RUN_LINE) -> list[float]:
        return [float(m.group(1)) for m in map(pattern.match, self.lines) if m]


def run_child(argv: list, env: dict, log: Path, echo_all: bool = True) -> Child:
    """Runs argv to completion, echoing its output (only the run lines unless echo_all), and returns its wall time
    and the peak RSS of that process alone (wait4, so earlier children do not count)."""
    print(f"  $ {' '.join(map(str, argv))}", flush=True)
    lines = []
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(list(map(str, argv)), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in process.stdout:
            out.write(line)
            lines.append(line.rstrip("\n"))
            if echo_all or RUN_LINE.match(line):
                print(f"  {line}", end="", flush=True)
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {argv[0]} exited with {process.returncode}; its output is in {log}")
    return Child(wall, usage.ru_maxrss / 1024, lines)


def child_env(folder: Path) -> dict:
    env = dict(os.environ)
    env.update(DAGSTER_HOME=str(folder / "dagster_home"), NBA_ASSETS_WAREHOUSE=str(folder / "warehouse.duckdb"),
               NBA_ASSETS_RAW_DIR=str(RAW_DIR), NBA_ASSETS_STORAGE="duckdb", DAGSTER_EVENT_BATCH_SIZE=EVENT_BATCH_SIZE)
    return env


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def ensure_simulation() -> dt.date:
    """The four seasons' raw files, generated once; returns the last playoff day of the last season."""
    wanted = f"seasons={','.join(map(str, SEASONS))}"
    marker = RAW_DIR / SIMULATION_MARKER
    if marker.exists() and wanted in marker.read_text():
        print(f"reusing the simulated seasons in {RAW_DIR}")
    else:
        seasons = ",".join(f"{y}-{(y + 1) % 100:02d}" for y in SEASONS)
        subprocess.run([NBA_ASSETS, "simulate", "--seasons", seasons, "--out", RAW_DIR], check=True)
    calendar = build_season_calendar(FileRawSource(RAW_DIR).read("nbac_schedule", dt.date(2000, 1, 1), dt.date(2100, 1, 1)))
    return calendar.loc[calendar["season_year"] == SEASONS[-1], "playoffs_end"].iloc[0].date()


def copy_before(source: Path, name: str, day: dt.date) -> Path:
    """A copy of the full backfill's instance and warehouse, with every partitioned table cut to the days
    before `day`: the state a daily run (or a month's runs) starts from."""
    folder = fresh(BENCH_DIR / name)
    shutil.copytree(source / "dagster_home", folder / "dagster_home")
    shutil.copyfile(source / "warehouse.duckdb", folder / "warehouse.duckdb")
    conn = duckdb.connect(str(folder / "warehouse.duckdb"))
    try:
        for table, _ in STEPS:
            if table is not SEASON_CALENDAR:
                conn.execute(f'DELETE FROM {table.qualified_name} WHERE "{table.date_column}" >= ?', [day])
    finally:
        conn.close()
    return folder


def tables_that_differ(graph: Path, bare: Path) -> list[str]:
    """Tables whose rows differ between the two warehouses (as multisets of rows)."""
    conn = duckdb.connect(str(graph), read_only=True)
    conn.execute(f"ATTACH '{bare}' AS bare (READ_ONLY)")
    differ = []
    try:
        for table, _ in STEPS:
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            left, right = f"SELECT {columns} FROM {table.qualified_name}", f"SELECT {columns} FROM bare.{table.qualified_name}"
            extra = conn.execute(f"SELECT (SELECT COUNT(*) FROM ({left} EXCEPT ALL {right})) + "
                                 f"(SELECT COUNT(*) FROM ({right} EXCEPT ALL {left}))").fetchone()[0]
            if extra:
                differ.append(f"{table.qualified_name} ({extra} rows)")
    finally:
        conn.close()
    return differ


def event_counts(home: Path) -> Counter:
    """Dagster events the runs wrote, by type (one SQLite file per run under history/runs)."""
    counts: Counter = Counter()
    for path in (home / "history" / "runs").glob("*.db"):
        if path.name == "index.db":
            continue
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            counts.update(dict(conn.execute("SELECT dagster_event_type, COUNT(*) FROM event_logs GROUP BY 1").fetchall()))
        finally:
            conn.close()
    return counts


def print_step_comparison(graph: Child, bare: Child) -> None:
    graph_steps, bare_steps = graph.step_seconds(), bare.step_seconds()
    print(f"\n  {'step (summed over the seasons)':<52} {'graph s':>8} {'bare s':>8} {'graph-bare':>10}")
    for step, seconds in graph_steps.items():
        plain = bare_steps.get(step)
        if plain is None:
            print(f"  {step:<52} {seconds:8.1f} {'-':>8} (graph only)")
        else:
            print(f"  {step:<52} {seconds:8.1f} {plain:8.1f} {seconds - plain:10.1f}")
    in_steps = sum(graph_steps.values())
    in_runs = sum(graph.run_seconds())
    print(f"  {'outside steps, inside runs (planning, run events)':<52} {in_runs - in_steps:8.1f}")
    print(f"  {'outside runs (imports, definitions, instance)':<52} {graph.wall_s - in_runs:8.1f} "
          f"{bare.wall_s - sum(bare.run_seconds(BARE_SEASON_LINE)):8.1f}")
    print(f"  {'process wall':<52} {graph.wall_s:8.1f} {bare.wall_s:8.1f} {graph.wall_s - bare.wall_s:10.1f}")


def target_line(name: str, value: float, limit: float, unit: str) -> bool:
    met = value <= limit
    print(f"  {name:<28} {value:9.1f}{unit} (target <= {limit:g}{unit}): {'met' if met else 'NOT met'}")
    return met


def accuracy_lines(warehouse: Path) -> dict[str, dict[str, float]]:
    """Per season: the walk-forward MAE of xgboost_v1 and ensemble_v1 on the player-games the moving average
    also predicted, and the moving average's, as `nba-assets evaluate` reports them (issue 14: accuracy next to
    the time)."""
    from nba_assets.predictions.evaluation import BASELINE, evaluation_report

    conn = duckdb.connect(str(warehouse), read_only=True)
    try:
        accuracy = conn.execute("SELECT * FROM nba_predictions.prediction_accuracy").fetchdf()
    finally:
        conn.close()
    out = {}
    for season, systems in evaluation_report(accuracy)["seasons"].items():
        row = {s: systems[s]["mae_same_rows"] for s in ("xgboost_v1", "ensemble_v1") if s in systems}
        row["baseline"] = systems.get("xgboost_v1", systems.get(BASELINE, {})).get("baseline_mae_same_rows")
        out[season] = row
        print(f"  {season}: MAE xgboost_v1 {row.get('xgboost_v1')}, ensemble_v1 {row.get('ensemble_v1')}, "
              f"moving average on xgboost's rows {row['baseline']}")
    return out


def bench() -> int:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    last_day = ensure_simulation()
    seasons_span = ["--start", FIRST_GAME_DAY, "--end", last_day.isoformat()]
    print(f"four seasons: {FIRST_GAME_DAY} .. {last_day}")

    print("\n(a) the whole graph, backfilled from an empty warehouse and a fresh instance (one run per season)")
    graph_dir = fresh(BENCH_DIR / "graph")
    graph = run_child([NBA_ASSETS, "backfill", *seasons_span], child_env(graph_dir), graph_dir / "output.log")
    print(f"  wall {graph.wall_s:.1f} s, peak RSS {graph.peak_rss_mb:.0f} MB")
    print("  walk-forward accuracy of its predictions (points; the bench league's, not tuned to it)")
    accuracy = accuracy_lines(graph_dir / "warehouse.duckdb")

    print("\n(b) the same tables as plain function calls and SQL writes, without Dagster (bench/bare.py)")
    bare_dir = fresh(BENCH_DIR / "bare")
    bare = run_child([sys.executable, HERE / "bare.py", "--raw-dir", RAW_DIR, "--warehouse", bare_dir / "warehouse.duckdb",
                      *seasons_span], child_env(bare_dir), bare_dir / "output.log")
    print(f"  wall {bare.wall_s:.1f} s, peak RSS {bare.peak_rss_mb:.0f} MB")
    differ = tables_that_differ(graph_dir / "warehouse.duckdb", bare_dir / "warehouse.duckdb")
    print(f"  bare tables equal to the graph's: {'all ' + str(len(STEPS)) if not differ else 'NO, differ: ' + ', '.join(differ)}")

    print("\nwhere the graph's time goes")
    print_step_comparison(graph, bare)
    events = event_counts(graph_dir / "dagster_home")
    overhead = graph.wall_s - bare.wall_s
    print(f"\n  events the backfill wrote to the instance: {sum(events.values()):,} "
          f"({overhead / max(sum(events.values()), 1) * 1000:.1f} ms of overhead per event)")
    for kind, count in events.most_common(6):
        print(f"    {kind:<36} {count:9,}")

    print(f"\n(c) one daily increment: results for {DAILY_DAY - dt.timedelta(days=1)}, then pregame_predictions for "
          f"{DAILY_DAY}, each in its own process as a run launcher starts them")
    daily_dir = copy_before(graph_dir, "daily", DAILY_DAY)
    results = run_child([sys.executable, __file__, "execute", "results", (DAILY_DAY - dt.timedelta(days=1)).isoformat()],
                        child_env(daily_dir), daily_dir / "results.log")
    pregame = run_child([sys.executable, __file__, "execute", "pregame_predictions", DAILY_DAY.isoformat()],
                        child_env(daily_dir), daily_dir / "pregame.log")
    daily_s = results.wall_s + pregame.wall_s
    in_runs = sum(results.run_seconds()) + sum(pregame.run_seconds())
    print(f"  wall {results.wall_s:.1f} s + {pregame.wall_s:.1f} s = {daily_s:.1f} s "
          f"({in_runs:.1f} s inside the two runs, the rest is process start and code loading)")

    month_days = [MONTH[0] + dt.timedelta(days=n) for n in range((MONTH[1] - MONTH[0]).days + 1)]
    print(f"\n(d) {MONTH[0]:%B %Y}: the whole graph as {len(month_days)} one-partition runs vs one range run, "
          "on the history before it")
    runs_dir = copy_before(graph_dir, "month-runs", MONTH[0])
    per_partition = run_child([sys.executable, __file__, "execute", "nba_graph", *(d.isoformat() for d in month_days)],
                              child_env(runs_dir), runs_dir / "output.log", echo_all=False)
    range_dir = copy_before(graph_dir, "month-range", MONTH[0])
    month_range = run_child([NBA_ASSETS, "backfill", "--start", MONTH[0].isoformat(), "--end", MONTH[1].isoformat()],
                            child_env(range_dir), range_dir / "output.log", echo_all=False)
    runs = per_partition.run_seconds()
    median_run = sorted(runs)[len(runs) // 2]
    print(f"  {len(runs)} one-partition runs: wall {per_partition.wall_s:.1f} s (median run {median_run:.1f} s)")
    print(f"  one range run of the month: wall {month_range.wall_s:.1f} s "
          f"(the one-partition runs take {per_partition.wall_s / month_range.wall_s:.1f}x as long)")

    ratio = graph.wall_s / bare.wall_s
    print("\ntargets (one run on a shared machine: repeat before trusting a near miss)")
    target_line("full backfill", graph.wall_s, FULL_BACKFILL_TARGET_S, " s")
    target_line("overhead ratio (a)/(b)", ratio, OVERHEAD_RATIO_TARGET, "x")
    target_line("daily increment", daily_s, DAILY_INCREMENT_TARGET_S, " s")
    target_line("peak memory of (a)", graph.peak_rss_mb, PEAK_RSS_TARGET_MB, " MB")
    print(f"\nbench: full_backfill_s={graph.wall_s:.1f} bare_compute_s={bare.wall_s:.1f} overhead_ratio={ratio:.2f} "
          f"daily_increment_s={daily_s:.1f} peak_rss_mb={graph.peak_rss_mb:.0f} per_partition_month_s={per_partition.wall_s:.1f} "
          + " ".join(f"mae_{system}_{season}={mae}" for season, row in accuracy.items()
                     for system, mae in row.items() if system != "baseline"))
    return 0


def execute(job_name: str, partition_keys: list[str]) -> int:
    """Child mode: one in-process run of job_name per partition key, in the instance at DAGSTER_HOME, as a
    sensor's RunRequest(partition_key=...) asks for it; prints the CLI's step and run lines."""
    import dagster as dg

    from nba_assets.cli import progress_logger
    from nba_assets.definitions import defs

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode")
    child = sub.add_parser("execute", help="one in-process run of JOB per partition DAY (used by the benchmark)")
    child.add_argument("job")
    child.add_argument("days", nargs="+")
    args = parser.parse_args(argv)
    if args.mode == "execute":
        return execute(args.job, args.days)
    return bench()


if __name__ == "__main__":
    sys.exit(main())
