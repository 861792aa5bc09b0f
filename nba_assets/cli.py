"""nba-assets: simulate the league, backfill the graph over a date range, report coverage."""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from nba_assets import settings
from nba_assets.instance.cli_runs import EVENT_BATCH_SIZE, PLANNED_EVENTS_PER_RANGE, cli_run_tags, fail_abandoned_runs, open_instance

log = logging.getLogger("nba_assets")
RAW_DATA_ERROR_EXIT = 3
PR_SET_PDEATHSIG = 1  # prctl(2)


def _parse_seasons(text: str) -> list[int]:
    """'2021-22,2022-23' or '2021,2022' -> [2021, 2022]."""
    return [int(part.strip().split("-")[0]) for part in text.split(",") if part.strip()]


def cmd_simulate(args: argparse.Namespace) -> int:
    # the one place the pipeline's code touches the simulator (test_package_boundary)
    from simulated_league import DEFAULT_SEED, write_simulation
    from simulated_league.calendar import current_season, opening_night, season_name

    from nba_assets.partitions import TIMEZONE

    seed = DEFAULT_SEED if args.seed is None else args.seed
    seasons = tuple(_parse_seasons(args.seasons))
    today = args.today or dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    if max(seasons) > current_season(today):
        print(f"season {season_name(max(seasons))} has not begun on {today} (the current season is "
              f"{season_name(current_season(today))}; --today pins another day)", file=sys.stderr)
        return 2
    out = args.out or settings.simulated_raw_dir(seed)
    started = time.perf_counter()
    files = write_simulation(out, seasons, seed, today)
    print(f"simulated {', '.join(map(season_name, seasons))} with seed {seed} as known on {today} (results up to the "
          f"day before, the day's pre-game lines and injury report) into {out} in {time.perf_counter() - started:.1f} s")
    for name, path in sorted(files.items()):
        print(f"  {name:<32} {path.stat().st_size / 1e6:7.1f} MB")
    print(f"read it with NBA_ASSETS_RAW_DIR={Path(out).resolve()} "
          f"(its first opening night, for NBA_ASSETS_FIRST_DAY: {opening_night(seasons[0])})")
    return 0


class _ProgressHandler(logging.Handler):
    """Prints one line per finished step of a run (with the days whose checks failed in it), instead of Dagster's
    per-event debug log."""

    def __init__(self, stream):
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.started: dict[str, float] = {}
        self.failed_days: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                print(f"    {record.levelname.lower()}: {record.getMessage()}", file=self.stream)
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                days = self.failed_days[step][(evaluation.check_name, evaluation.severity.value.lower())]
                days.add(evaluation.partition or "")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            took = time.perf_counter() - self.started.get(step, time.perf_counter())
            mark = "ok " if kind == "STEP_SUCCESS" else "FAILED"
            print(f"    {mark} {step.replace('__', '/'):<52} {took:6.1f} s", file=self.stream, flush=True)
            failed = self.failed_days.pop(step, {})
            if failed:
                summary = "; ".join(f"{name} ({severity}, {len(days - {''}) or 'the run'}"
                                    f"{' day' + ('s' if len(days - {''}) > 1 else '') if days - {''} else ''})"
                                    for (name, severity), days in sorted(failed.items()))
                print(f"         checks failed: {summary}", file=self.stream)
            if kind == "STEP_FAILURE":
                error = event.event_specific_data.error
                while error is not None:
                    print(f"      {error.message.strip()}", file=self.stream)
                    error = error.cause


@dg.logger(description="one line per finished step")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.Logger("nba_assets.progress", level=logging.DEBUG)
    logger.addHandler(_ProgressHandler(sys.stdout))
    return logger


def season_chunks(start: dt.date, end: dt.date, calendar_starts: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Split [start, end] (inclusive) at season openings so each season is one run: a failure loses one
    season at most, and the next run finds the previous seasons materialized."""
    cuts = sorted(d for d in calendar_starts if start < d <= end)
    bounds = [start, *cuts]
    ends = [c - dt.timedelta(days=1) for c in cuts] + [end]
    return list(zip(bounds, ends))


REBUILD_JOB_NAME = "rebuild"


def _backfill_job_defs(rebuild: Sequence[dg.AssetKey] = ()):
    """The code location's definitions with the progress logger, and the job to run: the whole graph, or a job of
    the `rebuild` assets."""
    from nba_assets.definitions import GRAPH_JOB_NAME, defs

    extra = dg.Definitions(loggers={"progress": progress_logger},
                           jobs=[dg.define_asset_job(REBUILD_JOB_NAME, selection=list(rebuild))] if rebuild else [])
    return dg.Definitions.merge(defs, extra), REBUILD_JOB_NAME if rebuild else GRAPH_JOB_NAME


def _partition_range_error(start: dt.date, end: dt.date) -> str | None:
    from nba_assets.partitions import game_days

    if end < start:
        return "--end is before --start"
    first_day, last_day = (dt.date.fromisoformat(game_days.get_first_partition_key()),
                           dt.date.fromisoformat(game_days.get_last_partition_key()))
    if start < first_day or end > last_day:
        return (f"--start/--end must lie within the partitions {first_day} .. {last_day} (today in "
                f"{game_days.timezone}); got {start} .. {end}")
    return None


def backfill_job(job_name: str, *rebuild: str) -> dg.JobDefinition:
    """The job `_execute_job` runs, rebuilt from JSON-able arguments (rebuild: asset keys as user strings)."""
    defs, _ = _backfill_job_defs([dg.AssetKey.from_user_string(key) for key in rebuild])
    return defs.resolve_job_def(job_name)


def _execute_job(job_name: str, rebuild: tuple[str, ...], tags: dict[str, str]) -> tuple[bool, str]:
    """One run of the job, recorded in the instance; returns whether it succeeded and its id. execute_job, not
    execute_in_process: that one keeps every step's output (a season's tables) in memory until the run ends."""
    job = dg.build_reconstructable_job(backfill_job.__module__, backfill_job.__name__, reconstructable_args=(job_name, *rebuild))
    with open_instance(settings.dagster_home()) as instance:
        with dg.execute_job(job, instance, run_config={"loggers": {"progress": {}}},
                            tags={**tags, **cli_run_tags()}) as result:
            return result.success, result.run_id


def _end_with(parent: int) -> None:
    """Asks Linux to kill this process when its parent ends, so a killed `nba-assets backfill` takes its season's
    run with it; elsewhere the run finishes on its own."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the request
        os._exit(1)


def _fail_abandoned_runs() -> None:
    with open_instance(settings.dagster_home()) as instance:
        for run_id in fail_abandoned_runs(instance):
            print(f"marked failed run {run_id[:8]}: its nba-assets process is gone; its pool slot is freed")


def _execute_job_in_own_process(job_name: str, rebuild: Sequence[dg.AssetKey] = (),
                                tags: dict[str, str] | None = None) -> tuple[bool, str | None]:
    """_execute_job in a fresh process: memory a run's frames leave behind (the allocator keeps it) is returned
    when the process ends, so a backfill's peak is one season's, not the sum of every season before it.
    A process that dies (killed, out of memory) is a failed run, marked so at once."""
    started = time.perf_counter()
    sys.stdout.flush()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_end_with, initargs=(os.getpid(),)) as pool:
            success, run_id = pool.submit(_execute_job, job_name, tuple(key.to_user_string() for key in rebuild), tags or {}).result()
    except BrokenProcessPool:
        print(f"  the run's process died after {time.perf_counter() - started:.1f} s (killed, or out of memory)")
        _fail_abandoned_runs()  # its warehouse pool slot would hold back every later run
        return False, None
    print(f"  run {run_id[:8]} {'succeeded' if success else 'FAILED'} in {time.perf_counter() - started:.1f} s")
    return success, run_id


def _run_season_ranges(start: dt.date, end: dt.date, raw, rebuild: Sequence[dg.AssetKey] = ()) -> tuple[int, list[str]]:
    """Runs the whole graph, or the `rebuild` assets, over [start, end] (partitioned) or once (unpartitioned), one
    run per season, each in its own process, recorded in the instance; returns the number of failed runs and the
    runs' ids."""
    from nba_assets.calendar import build_season_calendar

    defs, job_name = _backfill_job_defs(rebuild)
    job = defs.resolve_job_def(job_name)
    calendar = build_season_calendar(raw.read_all("nbac_schedule"))
    openings = [d.date() for d in calendar["preseason_start"].fillna(calendar["regular_season_start"])]
    chunks = season_chunks(start, end, openings) if job.partitions_def is not None else [None]
    _fail_abandoned_runs()
    failures, run_ids = 0, []
    for chunk in chunks:
        partition_tags = {}
        if chunk is not None:
            print(f"\nrun {chunk[0]} .. {chunk[1]}")
            partition_tags = {"dagster/asset_partition_range_start": chunk[0].isoformat(),
                              "dagster/asset_partition_range_end": chunk[1].isoformat()}
        success, run_id = _execute_job_in_own_process(job_name, rebuild, partition_tags)
        failures += not success
        run_ids += [run_id] if run_id else []
    return failures, run_ids


QUARANTINED_EXIT = 3


def cmd_backfill(args: argparse.Namespace) -> int:
    """Exit status: 0 every day published; 1 a run failed; 3 the runs succeeded but days were quarantined."""
    if args.missing:
        return backfill_missing(args)
    if not (args.start and args.end):
        print("--start and --end are required (or --missing)", file=sys.stderr)
        return 2
    from nba_assets.raw.resource import RawSourceResource

    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    problem = _partition_range_error(start, end)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    raw = RawSourceResource.from_environment()
    print(f"raw source: {raw.source().describe()}")  # before any run: with no source configured, stop here
    print(f"warehouse:  {settings.warehouse_path() if settings.storage_backend() == 'duckdb' else 'BigQuery'}")
    print(f"instance:   {os.environ['DAGSTER_HOME']}")
    failures, run_ids = _run_season_ranges(start, end, raw)
    checks_failed = _run_warehouse_checks()
    quarantined = report_quarantine(run_ids, start, end)
    return 1 if failures or checks_failed else QUARANTINED_EXIT if quarantined else 0


def _run_warehouse_checks() -> bool:
    """The warehouse checks once every season is in (schema, keys, coverage, freshness); True if the run failed."""
    from nba_assets.checks.warehouse import WAREHOUSE_CHECKS_JOB

    print("\nwarehouse checks")
    success, _ = _execute_job_in_own_process(WAREHOUSE_CHECKS_JOB)
    return not success


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Set the stored table aside and recompute it (and what is downstream of it) into its declared schema."""
    from nba_assets.rebuild import aside_name, rebuild_selection, table_named
    from nba_assets.resources import resources_from_environment

    defs, _ = _backfill_job_defs()
    table = table_named(defs, args.table)
    if table.append_only:
        print(f"{table.qualified_name} is append-only: its rows are what was published, which no run can recompute. "
              "Change its schema by copying its rows into the new declaration (docs/operations.md, \"Schema changes\").",
              file=sys.stderr)
        return 2
    resources = resources_from_environment()
    warehouse, raw = resources["warehouse"], resources["raw"]
    problems = warehouse.drift(table)
    if problems is None:
        print(f"{table.qualified_name} is not stored yet: the first write creates it from its declaration")
        return 0
    if not problems and not args.force:
        print(f"{table.qualified_name} matches its declared schema: nothing to rebuild (--force rebuilds it anyway)")
        return 0
    print(f"{table.qualified_name} differs from its declaration:" if problems else f"{table.qualified_name} (forced):")
    for problem in problems:
        print(f"  {problem}")
    dates = warehouse.read_table(table, columns=[table.date_column])[table.date_column]
    start = dt.date.fromisoformat(args.start) if args.start else (dates.min().date() if len(dates) else None)
    end = dt.date.fromisoformat(args.end) if args.end else (dates.max().date() if len(dates) else None)
    selection = rebuild_selection(defs, table, with_downstream=not args.only_table)
    partitioned = defs.get_repository_def().asset_graph.get(table.asset_key).partitions_def is not None
    if partitioned and start is not None:
        problem = _partition_range_error(start, end)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    aside = warehouse.set_aside(table, aside_name(table, dt.datetime.now(dt.timezone.utc)))
    print(f"the stored rows are kept in {aside}; drop it once the rebuilt table is checked")
    if partitioned and start is None:
        print("the table held no rows: the next run creates it from its declaration")
        return 0
    names = ", ".join(key.to_user_string() for key in selection)
    print(f"recomputing {names}" + (f" over {start} .. {end}" if partitioned else ""))
    failures, run_ids = _run_season_ranges(start, end, raw, rebuild=selection)
    if failures:
        print(f"{failures} run(s) failed: once fixed, finish with `nba-assets backfill --start {start} --end {end}`; "
              f"the previous rows stay in {aside}")
    quarantined = partitioned and report_quarantine(run_ids, start, end)
    return 1 if failures else QUARANTINED_EXIT if quarantined else 0


def report_quarantine(run_ids: list[str], start: dt.date, end: dt.date) -> bool:
    """Print what the runs quarantined (from the ledger) and the windows that miss those days; True if any."""
    from nba_assets.catalog import WINDOWED_TABLES
    from nba_assets.checks.ledger import QUARANTINE, format_quarantine
    from nba_assets.resources import resources_from_environment

    warehouse = resources_from_environment()["warehouse"]
    ledger = warehouse.read_table(QUARANTINE, start, end + dt.timedelta(days=1))
    ledger = ledger[ledger["run_id"].isin(run_ids)]
    if ledger.empty:
        return False
    print("\n" + format_quarantine(ledger))
    first_day = ledger["game_date"].min().date()
    flagged = []
    for table in WINDOWED_TABLES:
        for window in table.windows:
            rows = warehouse.read_table(table, first_day, end + dt.timedelta(days=1), columns=[table.date_column, window.complete])
            stale = rows[~rows[window.complete].astype(bool)]
            if len(stale):
                flagged.append((table.name, len(stale), stale[table.date_column].max().date()))
    if flagged:
        last = max(day for _, _, day in flagged)
        print(f"  windows that miss those days (published, flagged {', '.join(sorted({w.complete for t in WINDOWED_TABLES for w in t.windows}))} = false):")
        for name, count, _ in flagged:
            print(f"    {name}: {count} rows")
        rebuild = f"--start {first_day} --end {last}"
    else:
        rebuild = f"--start {first_day} --end {ledger['game_date'].max().date()}"
    print(f"  once the raw data is fixed: nba-assets backfill {rebuild}  (or --missing through the webserver)")
    return True


def backfill_missing(args: argparse.Namespace) -> int:
    """One backfill, through the running instance, of the whole graph on the days something is missing."""
    from nba_assets.definitions import defs
    from nba_assets.missing import backfill_params, launch_backfill, missing_dates
    from nba_assets.resources import resources_from_environment

    resources = resources_from_environment()
    raw, warehouse = resources["raw"], resources["warehouse"]
    dates = missing_dates(raw.read_all("nbac_schedule"), lambda table, columns: warehouse.read_table(table, columns=columns))
    first = dt.date.fromisoformat(args.start) if args.start else dt.date.min
    last = dt.date.fromisoformat(args.end) if args.end else dt.date.max
    dates = [day for day in dates if first <= day <= last]
    if not dates:
        print("nothing missing: every expected game date is covered and every window is complete")
        return 0
    graph = defs.get_repository_def().asset_graph
    paths = [node.key.path for node in graph.asset_nodes if node.is_materializable and node.partitions_def is not None]
    print(f"{len(dates)} day(s) to rebuild: {', '.join(d.isoformat() for d in dates[:10])}{' ...' if len(dates) > 10 else ''}")
    backfill_id = launch_backfill(args.url, backfill_params(paths, dates, f"missing days ({len(dates)})"))
    print(f"launched backfill {backfill_id}: {args.url.rstrip('/')}/runs/b/{backfill_id}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    from nba_assets.coverage import coverage_report, format_coverage
    from nba_assets.resources import resources_from_environment

    resources = resources_from_environment()
    raw, warehouse = resources["raw"], resources["warehouse"]
    report = coverage_report(raw.read_all("nbac_schedule"), lambda table, columns: warehouse.read_table(table, columns=columns))
    print(json.dumps(report, indent=2) if args.json else format_coverage(report))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print the evaluation report, then record it (tables and plots) as a materialization of
    nba_predictions/prediction_evaluation in the instance, where the UI shows it."""
    from nba_assets.predictions.evaluation import evaluation_report, format_report
    from nba_assets.predictions.tables import PREDICTION_ACCURACY
    from nba_assets.resources import resources_from_environment

    warehouse = resources_from_environment()["warehouse"]
    report = evaluation_report(warehouse.read_table(PREDICTION_ACCURACY))
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    if args.no_record:
        return 0
    from nba_assets.definitions import EVALUATION_JOB_NAME, defs

    with open_instance(settings.dagster_home()) as instance:
        result = defs.resolve_job_def(EVALUATION_JOB_NAME).execute_in_process(
            instance=instance, tags=cli_run_tags(), raise_on_error=False)
    print(f"\nrecorded as nba_predictions/prediction_evaluation (run {result.run_id[:8]}, "
          f"{'succeeded' if result.success else 'FAILED'}; plots under {settings.data_dir() / 'reports'})",
          file=sys.stderr)
    return 0 if result.success else 1


def cmd_picks(args: argparse.Namespace) -> int:
    """The day's slate: picks of record sorted by edge, what was left out and why, the graded record."""
    from nba_assets.partitions import TIMEZONE
    from nba_assets.predictions.slate import build_slate, format_slate, load_slate_inputs
    from nba_assets.resources import resources_from_environment

    resources = resources_from_environment()
    day = args.date or dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    inputs = load_slate_inputs(resources["warehouse"], resources["raw"], day, day + dt.timedelta(days=1))
    slate = build_slate(inputs, day, args.system, args.min_edge)
    if slate["games"] == 0 and not args.json:  # the off-season, or a day off: when play resumes, and the last slate
        from nba_assets.calendar import scheduled_games

        last, following = game_days_around(scheduled_games(resources["raw"].read_all("nbac_schedule")), day)
        print(f"no game on {day}; " + (f"the next game day is {following} (in {(following - day).days} days)"
                                      if following else "no game is scheduled after it"))
        if last is None:
            return 0
        print(f"the last game day's slate ({last}):")
        inputs = load_slate_inputs(resources["warehouse"], resources["raw"], last, last + dt.timedelta(days=1))
        slate = build_slate(inputs, last, args.system, args.min_edge)
    print(json.dumps(slate, indent=2) if args.json else format_slate(slate))
    return 0


def game_days_around(games, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The last game day before `day` and the first after it (None where there is none), from scheduled games."""
    days = sorted({d.date() for d in games["game_date"]})
    before = [d for d in days if d < day]
    after = [d for d in days if d > day]
    return (before[-1] if before else None), (after[0] if after else None)


def cmd_estimate(args: argparse.Namespace) -> int:
    """What a run of the whole graph over the range reads from BigQuery, step by step (nba_assets.read_plan)."""
    from nba_assets import read_plan
    from nba_assets.definitions import defs
    from nba_assets.resources import resources_from_environment

    start, end = dt.date.fromisoformat(args.start), dt.date.fromisoformat(args.end)
    problem = _partition_range_error(start, end)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if not args.measure and settings.storage_backend() != "bigquery":
        print("dry runs need NBA_ASSETS_STORAGE=bigquery (and credentials); --measure sizes the rows of any storage",
              file=sys.stderr)
        return 2
    resources = resources_from_environment()
    plan = read_plan.run_plan(defs, start, end, resources["raw"])
    result = read_plan.report(read_plan.estimate(plan, resources["warehouse"], resources["raw"], args.measure))
    how = "rows measured as BigQuery sizes them" if args.measure else "BigQuery dry runs"
    if args.json:
        print(json.dumps({"start": args.start, "end": args.end, "method": how, **result}, indent=2))
    else:
        print(read_plan.format_report(result, f"one run of the whole graph over {start} .. {end}, by {how}"))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from nba_assets.docs import write_docs

    for path in write_docs():
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nba-assets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    simulate = sub.add_parser("simulate", help="generate the simulated league's raw files")
    simulate.add_argument("--seasons", default="2021-22,2022-23", help="consecutive seasons, e.g. 2021-22,2022-23")
    simulate.add_argument("--seed", type=int, default=None, help="random seed (default: the simulator's, 20211019)")
    simulate.add_argument("--today", type=dt.date.fromisoformat, default=None,
                          help="the day the league is known on, YYYY-MM-DD (default: today in US Eastern); seasons "
                               "after its season are refused")
    simulate.add_argument("--out", type=Path, default=None, help="folder (default: the data folder's simulated league)")
    simulate.set_defaults(func=cmd_simulate)
    backfill = sub.add_parser("backfill", help="materialize the whole graph over a date range, one run per season; "
                                               "with --missing, launch one backfill of the missing days in the running instance")
    backfill.add_argument("--start", help="first day, YYYY-MM-DD")
    backfill.add_argument("--end", help="last day (inclusive), YYYY-MM-DD")
    backfill.add_argument("--missing", action="store_true",
                          help="only the game dates some table lacks or built from incomplete windows (within --start/--end)")
    backfill.add_argument("--url", default="http://127.0.0.1:3000", help="the running Dagster webserver (with --missing)")
    backfill.set_defaults(func=cmd_backfill)
    coverage = sub.add_parser("coverage", help="expected, materialized and missing game dates per table and season")
    coverage.add_argument("--json", action="store_true")
    coverage.set_defaults(func=cmd_coverage)
    evaluate = sub.add_parser("evaluate", help="walk-forward accuracy per season and prediction system")
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--no-record", action="store_true", help="print only; do not record the report in the instance")
    evaluate.set_defaults(func=cmd_evaluate)
    rebuild = sub.add_parser("rebuild", help="after a schema change: set a stored table aside and recompute it (and the "
                                             "tables downstream of it) into its declared schema")
    rebuild.add_argument("--table", required=True, help="dataset.table or table, e.g. nba_analytics.player_game_summary")
    rebuild.add_argument("--start", help="first day (default: the stored table's first day)")
    rebuild.add_argument("--end", help="last day, inclusive (default: the stored table's last day)")
    rebuild.add_argument("--only-table", action="store_true", help="recompute the table alone, not its downstream tables")
    rebuild.add_argument("--force", action="store_true", help="rebuild even when the stored table matches its declaration")
    rebuild.set_defaults(func=cmd_rebuild)
    from nba_assets.predictions.tables import SLATE_SYSTEM, SYSTEM_IDS

    picks = sub.add_parser("picks", help="the day's slate: each lined player's pick of record sorted by edge, with the line "
                                         "snapshot, flags and results, what was left out and why, the graded record")
    picks.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, US Eastern)")
    picks.add_argument("--system", choices=SYSTEM_IDS, default=SLATE_SYSTEM)
    picks.add_argument("--min-edge", type=float, default=None, help="only picks at least this far from the line (points)")
    picks.add_argument("--json", action="store_true")
    picks.set_defaults(func=cmd_picks)
    estimate = sub.add_parser("estimate", help="the bytes a run of the whole graph over a range scans in BigQuery, per "
                                               "step, from dry runs (or --measure: the stored rows sized as BigQuery bills)")
    estimate.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
    estimate.add_argument("--end", required=True, help="last day (inclusive), YYYY-MM-DD")
    estimate.add_argument("--measure", action="store_true",
                          help="read each window's rows (any storage) and size them instead of asking BigQuery")
    estimate.add_argument("--json", action="store_true")
    estimate.set_defaults(func=cmd_estimate)
    docs = sub.add_parser("docs", help="regenerate docs/raw-contract.md, features.md and schemas.md from the code")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home())
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", EVENT_BATCH_SIZE)
    for name, value in PLANNED_EVENTS_PER_RANGE.items():
        os.environ.setdefault(name, value)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from nba_assets.raw.contract import RawDataError
    from nba_assets.raw.resource import RawSourceNotConfigured

    try:
        return args.func(args)
    except RawSourceNotConfigured as exc:
        print(f"nba-assets {args.command}: {exc}", file=sys.stderr)
        return 2
    except RawDataError as error:  # raw input no day can own: the message names table, file, column and line
        print(f"nba-assets {args.command}: raw data refused: {error}", file=sys.stderr)
        return RAW_DATA_ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
