"""The raw reads of one asset step: the rows that passed the contract (box scores and shot events also the rules
against the schedule of the same days), and every problem found: the rows breaking the step's `raw_contract` rule,
which quarantines their days (nba_assets.checks.governance)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd

from nba_assets.raw.contract import RAW_TABLES, CheckedRows, check_against_schedule, empty_problems
from nba_assets.storage.schema import TableSchema

RAW_CONTRACT = "raw_contract"
SCHEDULE = "nbac_schedule"


def raw_contract_check_spec(table: TableSchema) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(RAW_CONTRACT, asset=table.asset_key,
                             description="the raw rows this table reads pass the raw contract; a day with refused "
                                         "rows fails, naming file, row, key, column, value and rule")


class RawReads:
    """Reads through a raw source (anything with `read_checked`), each (table, window) once; `problems` holds
    the problems of every read, `failing_rows` those of the step's days as the rows breaking its raw_contract rule.
    A read reaching before the step's days (the rosters' lookback, the windows' schedule) keeps its earlier refused
    rows out too; their days' own runs report them."""

    def __init__(self, raw, start: dt.date, end: dt.date):
        self.raw, self.start, self.end = raw, start, end
        self._reads: dict[tuple[str, dt.date, dt.date], CheckedRows] = {}

    def checked(self, table: str, start: dt.date | None = None, end: dt.date | None = None) -> CheckedRows:
        window = (table, start or self.start, end or self.end)
        if window not in self._reads:
            checked = self.raw.read_checked(*window)
            if RAW_TABLES[table].schedule_rules:
                checked = check_against_schedule(checked, self.checked(SCHEDULE, *window[1:]))
            self._reads[window] = checked
        return self._reads[window]

    def read(self, table: str, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        return self.checked(table, start, end).rows

    @property
    def problems(self) -> pd.DataFrame:
        found = [c.problems for c in self._reads.values() if len(c.problems)]
        if not found:
            return empty_problems()
        return pd.concat(found, ignore_index=True).drop_duplicates(ignore_index=True)

    def failing_rows(self, days) -> pd.DataFrame:
        """The problems of `days` as the rows breaking a raw_contract rule (nba_assets.checks.quality.rule_findings):
        the contract rule refines the rule's name, and the detail starts with the raw table."""
        problems = self.problems
        problems = problems[problems["game_date"].isin(list(days))]
        return problems.assign(rule=problems["contract_rule"],
                               detail=problems["raw_table"] + ": " + problems["detail"].astype(str)
                               ).drop(columns=["raw_table", "contract_rule"])
