"""Checks that read the warehouse back, for every table: the declared schema, one row per key across all
days, coverage per season (the dashboard of expected vs materialized game dates, as `nba-assets coverage`
prints it, with the reason for each missing date), and freshness of the latest day that should exist by now.

They run on a daily schedule, at the end of every graph run (CLI backfills included), and on demand from the UI.
"""


import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from nba_assets.calendar import FINAL, scheduled_games
from nba_assets.catalog import GAME_DAY_TABLES, GRAPH_TABLES
from nba_assets.coverage import coverage_report
from nba_assets.partitions import TIMEZONE, game_days
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.schema import TableSchema
from nba_assets.storage.warehouse import Warehouse
from nba_assets.table_asset import WAREHOUSE_POOL

SCHEMA, COVERAGE, FRESHNESS = "schema_matches_declaration", "coverage", "fresh"
TABLE_KEY_UNIQUE = "table_key_unique"
ALL_TABLES: list[TableSchema] = list(GRAPH_TABLES)
FRESH_TABLES: list[TableSchema] = [table for table in GRAPH_TABLES if table.deadline is not None]


def _specs(name: str, description: str, tables: list[TableSchema]) -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name, asset=table.asset_key, description=description) for table in tables]


def _selected(context: dg.AssetCheckExecutionContext, check_name: str) -> Iterator[TableSchema]:
    selected = context.selected_asset_check_keys
    return (t for t in ALL_TABLES if dg.AssetCheckKey(t.asset_key, check_name) in selected)


def schema_differences(table: TableSchema, actual: list[tuple[str, str]] | None) -> dict:
    if actual is None:
        return {"table_missing": True}
    declared = [(c.name, c.type) for c in table.columns]
    actual_types = dict(actual)
    return {
        "missing_columns": [name for name, _ in declared if name not in actual_types],
        "undeclared_columns": [name for name, _ in actual if name not in dict(declared)],
        "type_mismatches": {name: {"declared": kind, "actual": actual_types[name]} for name, kind in declared
                            if name in actual_types and actual_types[name] != kind},
        "column_order_matches": [name for name, _ in actual] == [name for name, _ in declared],
    }


@dg.multi_asset_check(specs=_specs(SCHEMA, "the warehouse table has exactly the declared columns, types and order",
                                   ALL_TABLES),
                      can_subset=True, name="warehouse_schema_checks", pool=WAREHOUSE_POOL)
def warehouse_schema_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    for table in _selected(context, SCHEMA):
        differences = schema_differences(table, warehouse.describe(table))
        passed = not differences.get("table_missing") and not differences["missing_columns"] and \
            not differences["undeclared_columns"] and not differences["type_mismatches"] and differences["column_order_matches"]
        yield dg.AssetCheckResult(asset_key=table.asset_key, check_name=SCHEMA, passed=passed,
                                  metadata={"differences": dg.MetadataValue.json(differences),
                                            "declared_columns": len(table.columns)})


@dg.multi_asset_check(specs=_specs(TABLE_KEY_UNIQUE, "one row per key across every day of the table", ALL_TABLES),
                      can_subset=True, name="warehouse_key_checks", pool=WAREHOUSE_POOL)
def warehouse_key_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    for table in _selected(context, TABLE_KEY_UNIQUE):
        keys = warehouse.read_table(table, columns=list(dict.fromkeys([table.date_column, *table.key])))
        duplicated = keys[keys.duplicated(list(table.key), keep=False)]
        yield dg.AssetCheckResult(
            asset_key=table.asset_key, check_name=TABLE_KEY_UNIQUE, passed=duplicated.empty,
            metadata={"rows": len(keys), "duplicate_rows": len(duplicated),
                      "examples": dg.MetadataValue.md(duplicated.head(20).to_markdown(index=False) if len(duplicated) else "none")})


def coverage_table(report: dict[str, dict]) -> dg.TableMetadataValue:
    records = [dg.TableRecord({"season": season, "expected": row["expected"], "materialized": row["materialized"],
                               "missing": len(row["missing"]), "missing_dates": ", ".join(row["missing"][:30])})
               for season, row in report.items()]
    schema = dg.TableSchema(columns=[dg.TableColumn("season", "string"), dg.TableColumn("expected", "int"),
                                     dg.TableColumn("materialized", "int"), dg.TableColumn("missing", "int"),
                                     dg.TableColumn("missing_dates", "string")])
    return dg.MetadataValue.table(records=records, schema=schema)


@dg.multi_asset_check(specs=_specs(COVERAGE, "per season: game dates the schedule expects vs materialized, missing "
                                             "dates listed with their reason (days without games are never gaps)",
                                   list(GAME_DAY_TABLES)),
                      can_subset=True, name="coverage_checks", pool=WAREHOUSE_POOL)
def coverage_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse, raw: RawSourceResource):
    def read_columns(table, columns):
        return warehouse.read_table(table, columns=columns)

    report = coverage_report(raw.read_all("nbac_schedule"), read_columns)["tables"]
    for table in _selected(context, COVERAGE):
        seasons = report[table.name]
        missing = {season: row["missing"] for season, row in seasons.items() if row["missing"]}
        reasons = {day: reason for row in seasons.values() for day, reason in row["reasons"].items()}
        yield dg.AssetCheckResult(
            asset_key=table.asset_key, check_name=COVERAGE, passed=not missing,
            metadata={"coverage": coverage_table(seasons), "missing_dates": dg.MetadataValue.json(missing),
                      "reasons": dg.MetadataValue.json(dict(list(reasons.items())[:100])),
                      "expected_dates": sum(r["expected"] for r in seasons.values()),
                      "materialized_dates": sum(r["materialized"] for r in seasons.values())})


def deadline_of(table: TableSchema, day: dt.date) -> dt.datetime:
    """When `table` must hold `day`, in US Eastern (its declared deadline)."""
    deadline = table.deadline
    return dt.datetime.combine(day + dt.timedelta(days=deadline.days_after), dt.time(deadline.hour), ZoneInfo(TIMEZONE))


def due_day(table: TableSchema, schedule: pd.DataFrame, now: dt.datetime) -> tuple[dt.date | None, bool]:
    """The latest day with competitive games whose deadline for `table` has passed at `now`, and whether all its
    games are Final in the schedule; (None, True) when no game day is due yet."""
    games = scheduled_games(schedule)
    if games.empty:
        return None, True
    final_by_day = games.assign(final=games["game_status"] == FINAL).groupby(games["game_date"].dt.date)["final"].all()
    due = [day for day in final_by_day.index if deadline_of(table, day) <= now]
    if not due:
        return None, True
    latest = max(due)
    return latest, bool(final_by_day[latest])


def freshness(table: TableSchema, schedule: pd.DataFrame, now: dt.datetime,
              status: dg.AssetPartitionStatus | None) -> tuple[bool, dict]:
    """Fresh when the latest due game day (judged against the raw schedule) is materialized and, for tables built
    from box scores, its games are Final in the source: a finished season stays fresh, a deployment whose data
    stops arriving does not. `status`: the due day's partition status in the instance."""
    day, games_final = due_day(table, schedule, now)
    if day is None:
        return True, {"due_day": "none: no game day is due yet"}
    materialized = status == dg.AssetPartitionStatus.MATERIALIZED
    passed = materialized and (games_final or not table.deadline.needs_final)
    problem = ("" if passed else
               f"{day} is {status.value.lower() if status else 'not materialized'}" if not materialized else
               f"the games of {day} are not Final in the source: results stopped arriving")
    return passed, {"due_day": day.isoformat(), "deadline": deadline_of(table, day).strftime("%Y-%m-%d %H:%M %Z"),
                    "deadline_rule": table.deadline.description, "due_day_games_final": games_final,
                    "due_day_status": status.value if status else "missing", **({"problem": problem} if problem else {})}


@dg.multi_asset_check(specs=_specs(FRESHNESS, "the latest game day due by its declared deadline is materialized (and, for "
                                              "results, its games are Final in the raw schedule)", FRESH_TABLES),
                      can_subset=True, name="freshness_checks")
def freshness_checks(context: dg.AssetCheckExecutionContext, raw: RawSourceResource):
    now = dt.datetime.now(dt.timezone.utc)
    schedule = raw.read_all("nbac_schedule")
    for table in _selected(context, FRESHNESS):
        day, _ = due_day(table, schedule, now)
        statuses = context.instance.get_status_by_partition(table.asset_key, [day.isoformat()], game_days) if day else {}
        passed, metadata = freshness(table, schedule, now, (statuses or {}).get(day.isoformat()) if day else None)
        yield dg.AssetCheckResult(asset_key=table.asset_key, check_name=FRESHNESS, passed=passed,
                                  severity=dg.AssetCheckSeverity.ERROR,
                                  metadata={**metadata, "checked_at_utc": now.strftime("%Y-%m-%d %H:%M")})


WAREHOUSE_CHECKS = [warehouse_schema_checks, warehouse_key_checks, coverage_checks, freshness_checks]
WAREHOUSE_CHECKS_JOB = "warehouse_checks"

warehouse_checks_job = dg.define_asset_job(
    WAREHOUSE_CHECKS_JOB, selection=dg.AssetSelection.checks(*WAREHOUSE_CHECKS),
    description="Schema, key uniqueness, coverage and freshness of every table, read back from the warehouse.",
)

warehouse_checks_schedule = dg.ScheduleDefinition(
    name="daily_warehouse_checks", job=warehouse_checks_job, cron_schedule="30 10 * * *", execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="10:30 US Eastern, after the overnight results: the coverage dashboard and table checks.",
)

