"""Checks that read the warehouse back, for every table: the declared schema, one row per key across all
days, coverage per season (the dashboard of expected vs materialized game dates, as `nba-assets coverage`
prints it), and freshness of the latest day that should exist by now.

They run on a daily schedule, after every CLI backfill, and on demand from the UI.
"""


import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import dagster as dg

from nba_assets.calendar import SEASON_CALENDAR
from nba_assets.coverage import COVERAGE_RULES, coverage_for, expectations
from nba_assets.partitions import TIMEZONE
from nba_assets.predictions.tables import PICK_PUBLICATIONS, POINTS_MODEL
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.schema import TableSchema
from nba_assets.storage.warehouse import Warehouse
from nba_assets.table_asset import WAREHOUSE_POOL

SCHEMA, COVERAGE, FRESHNESS = "schema_matches_declaration", "coverage", "fresh"
TABLE_KEY_UNIQUE = "table_key_unique"
GAME_DAY_TABLES: list[TableSchema] = [rule.table for rule in COVERAGE_RULES]
ALL_TABLES: list[TableSchema] = [SEASON_CALENDAR, *GAME_DAY_TABLES, POINTS_MODEL, PICK_PUBLICATIONS]

# Box scores of day D arrive overnight: D must be there by 10:00 US Eastern on D + 1. Pre-game tables of
# day D must be there by 18:00 on D, before the evening's tip-offs.
RESULT_TABLES = {"team_offense_game_summary", "team_defense_game_summary", "player_game_summary",
                 "prediction_accuracy", "system_daily_performance"}
RESULTS_DEADLINE_HOUR, PREGAME_DEADLINE_HOUR = 10, 18


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
                                             "dates listed (days without games are never gaps)", GAME_DAY_TABLES),
                      can_subset=True, name="coverage_checks", pool=WAREHOUSE_POOL)
def coverage_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse, raw: RawSourceResource):
    def read_columns(table, columns):
        return warehouse.read_table(table, columns=columns)

    expected = expectations(raw.read_all("nbac_schedule"), read_columns)
    rules = {rule.table.name: rule for rule in COVERAGE_RULES}
    for table in _selected(context, COVERAGE):
        report = coverage_for(rules[table.name], expected, read_columns)
        missing = {season: row["missing"] for season, row in report.items() if row["missing"]}
        yield dg.AssetCheckResult(
            asset_key=table.asset_key, check_name=COVERAGE, passed=not missing,
            metadata={"coverage": coverage_table(report), "missing_dates": dg.MetadataValue.json(missing),
                      "expected_dates": sum(r["expected"] for r in report.values()),
                      "materialized_dates": sum(r["materialized"] for r in report.values())})


def required_day(table: TableSchema, now: dt.datetime) -> dt.date:
    """The latest day whose partition must exist at `now` (US Eastern)."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    if table.name in RESULT_TABLES:
        return local.date() - dt.timedelta(days=1 if local.hour >= RESULTS_DEADLINE_HOUR else 2)
    return local.date() - dt.timedelta(days=0 if local.hour >= PREGAME_DEADLINE_HOUR else 1)


@dg.multi_asset_check(specs=_specs(FRESHNESS, "the latest day that should exist by now is materialized (results by 10:00 "
                                              "US Eastern the next day, pre-game tables by 18:00 the same day)",
                                   GAME_DAY_TABLES),
                      can_subset=True, name="freshness_checks")
def freshness_checks(context: dg.AssetCheckExecutionContext):
    now = dt.datetime.now(dt.timezone.utc)
    for table in _selected(context, FRESHNESS):
        due = required_day(table, now).isoformat()
        materialized = context.instance.get_materialized_partitions(table.asset_key)
        latest = max(materialized) if materialized else None
        yield dg.AssetCheckResult(asset_key=table.asset_key, check_name=FRESHNESS, passed=due in materialized,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"required_partition": due, "latest_materialized_partition": latest or "none",
                                            "checked_at_utc": now.strftime("%Y-%m-%d %H:%M")})


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

