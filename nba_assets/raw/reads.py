"""The raw reads of one asset step: the rows that passed the contract (box scores and shot events also the rules
against the schedule of the same days), and every problem found, for the step's `raw_contract` check."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pandas as pd

from nba_assets.raw.contract import RAW_TABLES, CheckedRows, check_against_schedule, empty_problems, problems_by_day
from nba_assets.storage.schema import TableSchema

RAW_CONTRACT = "raw_contract"
SCHEDULE = "nbac_schedule"


def raw_contract_check_spec(table: TableSchema) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(RAW_CONTRACT, asset=table.asset_key,
                             description="the raw rows this table reads pass the raw contract; a day with refused "
                                         "rows fails, naming file, row, key, column, value and rule")


class RawReads:
    """Reads through a raw source (anything with `read_checked`), each (table, window) once; `problems` holds
    the problems of every read, `failures_by_day` turns them into a raw_contract check's per-day results. A read
    reaching before the step's days (the rosters' lookback) keeps its earlier refused rows out too; their days'
    own runs report them."""

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

    def failures_by_day(self) -> dict[pd.Timestamp, tuple[bool, dict]]:
        return problems_by_day(self.problems)
