"""Where a run's time goes, step by step: cProfile of each step of the graph, and of what happens outside steps.

    python bench/profile_steps.py backfill --start 2021-10-19 --end 2022-06-20 [--out DIR]   # range runs, one per season
    python bench/profile_steps.py execute JOB DAY... [--out DIR]                             # one-partition runs of JOB

It runs in this process with the environment of `make bench` (set DAGSTER_HOME, NBA_ASSETS_WAREHOUSE,
NBA_ASSETS_RAW_DIR, DAGSTER_EVENT_BATCH_SIZE as bench/README.md shows), the way `nba-assets backfill` and the
bench's child runs do. A logger switches profilers at each step's start and end events, so a step's profile holds
what its line in the CLI's output times (loading inputs, computing, writing, checks, events); everything else
(imports, definitions, instance, run start and planning) goes to "outside steps". Steps of several runs add up.

For each step it prints the profiled seconds (CPU time by default: steadier than wall time on a shared machine)
split by where they are spent (our code, pandas, numpy, DuckDB, Dagster, the instance's SQLite/SQLAlchemy,
XGBoost, ...; a function's own time counted once), the phases that can be named (IO manager loads and writes,
instance event writes, check bodies), the most expensive functions, and the process's peak memory when the step
ended. The raw profiles are written to DIR (default data/bench/profile) as <step>.prof, for `python -m pstats`.
cProfile adds per-call overhead to Python-heavy code (Dagster, pandas' Python layers) more than to native code
(DuckDB, numpy, XGBoost): compare the same profile before and after a change, not its seconds to a plain run.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import logging
import pstats
import re
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg

from nba_assets import settings
from nba_assets.cli import _ProgressHandler

OUTSIDE = "(outside steps)"
# (file suffix, function) -> phase name; cumulative time, so nested phases are reported separately, not summed
PHASES = {
    ("dagster/_core/storage/db_io_manager.py", "load_input"): "IO manager: load inputs",
    ("dagster/_core/storage/db_io_manager.py", "handle_output"): "IO manager: write output",
    ("dagster/_core/instance/methods/event_methods.py", "handle_new_event"): "instance: store events",
    ("nba_assets/checks/daily.py", "add_table_rules"): "checks: table rules per day",
    ("nba_assets/checks/daily.py", "results"): "checks: results and their events",
}
LIBRARIES = [  # (pattern in a file path or built-in's description, group); first match wins
    ("nba_assets/", "nba_assets"), ("simulated_league/", "nba_assets"),
    ("sqlalchemy", "instance SQL (sqlalchemy, sqlite3)"), ("sqlite3", "instance SQL (sqlalchemy, sqlite3)"),
    ("psycopg", "instance SQL (postgres)"), ("alembic", "instance SQL (sqlalchemy, sqlite3)"),
    ("dagster", "dagster"), ("pandas", "pandas"), ("numpy", "numpy"), ("duckdb", "duckdb"), ("pyarrow", "pyarrow"),
    ("xgboost", "xgboost"), ("sklearn", "scikit-learn"), ("scipy", "scipy"), ("pydantic", "dagster"),
    ("<built-in method", "builtins"), ("<method", "builtins"), ("<frozen", "python startup"),
    ("python3.11/", "python stdlib"),
]


def library_of(file: str, function: str) -> str:
    where = f"{file} {function}"
    for pattern, group in LIBRARIES:
        if pattern in where:
            return group
    return "other"


class StepProfiles:
    """One cProfile per step (accumulated over runs) and one for everything outside steps."""

    def __init__(self, timer=time.process_time) -> None:
        self.profiles: dict[str, cProfile.Profile] = defaultdict(lambda: cProfile.Profile(timer))
        self.wall: dict[str, float] = defaultdict(float)
        self.peak_mb: dict[str, float] = {}  # the process's peak RSS when the step (last) ended
        self.current = OUTSIDE
        self.started = time.perf_counter()
        self.profiles[OUTSIDE].enable()

    def switch(self, step: str) -> None:
        now = time.perf_counter()
        self.profiles[self.current].disable()
        self.wall[self.current] += now - self.started
        self.peak_mb[self.current] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.current, self.started = step, now
        self.profiles[step].enable()

    def stop(self) -> None:
        self.switch(OUTSIDE)
        self.profiles[OUTSIDE].disable()


class ProfilingProgressHandler(_ProgressHandler):
    """The CLI's step lines, and a profiler switch at each step's start and end."""

    def __init__(self, stream, profiles: StepProfiles):
        super().__init__(stream)
        self.profiles = profiles

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        kind = event.event_type_value if event is not None else None
        if kind == "STEP_START":
            self.profiles.switch(event.step_key.replace("__", "/"))
        super().emit(record)
        if kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            self.profiles.switch(OUTSIDE)


def summarize(name: str, profile: cProfile.Profile, wall: float, peak_mb: float, top: int, out: Path, clock: str) -> None:
    profile.dump_stats(out / (re.sub(r"[^\w.-]+", "_", name).strip("_") + ".prof"))
    stats = pstats.Stats(profile).stats
    own_total = sum(tt for _cc, _nc, tt, _ct, _callers in stats.values())
    by_library: dict[str, float] = defaultdict(float)
    phases: dict[str, float] = defaultdict(float)
    for (file, _line, function), (_cc, _nc, tt, ct, _callers) in stats.items():
        by_library[library_of(file, function)] += tt
        phase = next((label for (suffix, fn), label in PHASES.items() if fn == function and file.endswith(suffix)), None)
        if phase:
            phases[phase] += ct
    print(f"\n{name}: {wall:.1f} s wall, {own_total:.1f} s {clock} profiled, peak RSS {peak_mb:.0f} MB when it ended")
    shares = ", ".join(f"{lib} {sec:.1f}" for lib, sec in sorted(by_library.items(), key=lambda kv: -kv[1]) if sec >= 0.05)
    print(f"  by library (own time, s): {shares}")
    if phases:
        print("  phases (cumulative, s): " + ", ".join(f"{label} {sec:.1f}" for label, sec in phases.items()))
    ours = sorted(((ct, f"{Path(file).stem}.{function}") for (file, _l, function), (_cc, _nc, _tt, ct, _c) in stats.items()
                   if "nba_assets/" in file and not function.startswith("<")), reverse=True)[:top]
    print("  our functions (cumulative, s): " + ", ".join(f"{label} {ct:.1f}" for ct, label in ours))
    own = sorted(((tt, nc, f"{Path(file).stem}.{function}" if file != "~" else function)
                  for (file, _l, function), (_cc, nc, tt, _ct, _c) in stats.items()), reverse=True)[:top]
    print("  most own time (s, calls): " + ", ".join(f"{label} {tt:.1f} ({nc:,})" for tt, nc, label in own))


def job_with(handler_factory):
    from nba_assets.definitions import defs

    @dg.logger(description="step lines, with a profiler switch per step")
    def profiling_logger(_init_context) -> logging.Logger:
        logger = logging.Logger("nba_assets.profile", level=logging.DEBUG)
        logger.addHandler(handler_factory())
        return logger

    return dg.Definitions.merge(defs, dg.Definitions(loggers={"progress": profiling_logger}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    backfill = sub.add_parser("backfill", help="range runs over [start, end], one per season, like nba-assets backfill")
    backfill.add_argument("--start", type=dt.date.fromisoformat, required=True)
    backfill.add_argument("--end", type=dt.date.fromisoformat, required=True)
    execute = sub.add_parser("execute", help="one run of JOB per partition DAY, like the bench's daily increment")
    execute.add_argument("job")
    execute.add_argument("days", nargs="+")
    for mode in (backfill, execute):
        mode.add_argument("--out", type=Path, default=settings.data_dir() / "bench" / "profile")
        mode.add_argument("--top", type=int, default=6, help="functions listed per step")
        mode.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                          help="what a profile counts: the process's CPU time (default: steady on a shared machine) "
                               "or wall time (includes waiting for disk and for other processes)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    # from here on, importing and loading the definitions count as outside steps
    profiles = StepProfiles(time.process_time if args.clock == "cpu" else time.perf_counter)
    from nba_assets.calendar import build_season_calendar
    from nba_assets.cli import season_chunks
    from nba_assets.definitions import GRAPH_JOB_NAME
    from nba_assets.raw.resource import RawSourceResource

    defs = job_with(lambda: ProfilingProgressHandler(sys.stdout, profiles))
    instance = dg.DagsterInstance.get()
    if args.mode == "backfill":
        calendar = build_season_calendar(RawSourceResource.from_environment().read_all("nbac_schedule"))
        openings = [d.date() for d in calendar["preseason_start"].fillna(calendar["regular_season_start"])]
        runs = [({"dagster/asset_partition_range_start": s.isoformat(), "dagster/asset_partition_range_end": e.isoformat()},
                 None, f"{s} .. {e}") for s, e in season_chunks(args.start, args.end, openings)]
        job = defs.resolve_job_def(GRAPH_JOB_NAME)
    else:
        runs = [({}, day, day) for day in args.days]
        job = defs.resolve_job_def(args.job)
    for tags, partition_key, label in runs:
        print(f"\nrun {label}", flush=True)
        started = time.perf_counter()
        result = job.execute_in_process(instance=instance, partition_key=partition_key, tags=tags,
                                        run_config={"loggers": {"progress": {}}}, raise_on_error=False)
        print(f"  run {result.run_id[:8]} {'succeeded' if result.success else 'FAILED'} in {time.perf_counter() - started:.1f} s",
              flush=True)
    profiles.stop()
    total = sum(profiles.wall.values())
    print(f"\nprofiles in {args.out}; {total:.1f} s wall in all")
    for name in sorted(profiles.profiles, key=lambda n: -profiles.wall[n]):
        summarize(name, profiles.profiles[name], profiles.wall[name], profiles.peak_mb.get(name, 0.0), args.top, args.out,
                  args.clock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
