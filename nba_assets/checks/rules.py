"""What a table declares about itself besides its columns, in its TableSchema (storage/schema.py), beside them:
the rules its rows obey, each with a severity; which game dates it must cover; the windows it reads; and by when
a day must be there. The checks, the quarantine, coverage, missing days, freshness and docs/schemas.md all derive
from these declarations (nba_assets.checks.quality, .governance, .warehouse, nba_assets.coverage, .docs).

Severity decides what a failure does: a day that breaks an ERROR rule in a table is quarantined for that table
(its rows are not published, nba_assets.checks.governance); a WARN rule flags the day and its rows are published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import dagster as dg
import pandas as pd

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN

# the per-day Dagster checks the declarations become (one check per name and table)
COLUMN_RULES, ROW_COUNTS, WINDOWS_COMPLETE, INPUTS_PUBLISHED = "column_rules", "row_counts", "windows_complete", "inputs_published"
CHECK_DESCRIPTIONS = {
    COLUMN_RULES: "every ruled column inside its declared range and no more often NULL than declared",
    ROW_COUNTS: "as many rows as the schedule, box scores or the upstream table imply",
    WINDOWS_COMPLETE: "every window's span holds all the team games the schedule lists (none missing upstream)",
    INPUTS_PUBLISHED: "the same day of every table it is built from is published (not quarantined, not missing)",
}


@dataclasses.dataclass(frozen=True)
class Scope:
    """The rows a rule applies to: `select(rows)` is True for them; `description` says which in words."""

    description: str
    select: Callable[[pd.DataFrame], pd.Series]


def where(column: str) -> Scope:
    """The rows whose boolean `column` is true."""
    return Scope(f"rows with {column}", lambda rows: rows[column])


@dataclasses.dataclass(frozen=True)
class ColumnRange:
    """Every non-NULL value of `column` (among the rows of `scope`) lies in [low, high]."""

    column: str
    low: float
    high: float
    severity: dg.AssetCheckSeverity = ERROR
    scope: Scope | None = None
    check = COLUMN_RULES

    @property
    def name(self) -> str:
        return f"{self.column} in {self.low:g}..{self.high:g}"


@dataclasses.dataclass(frozen=True)
class NullShare:
    """On each day, at most `max_share` of the rows of `scope` have `column` NULL (a NULL burst fails)."""

    column: str
    max_share: float
    severity: dg.AssetCheckSeverity = ERROR
    scope: Scope | None = None
    check = COLUMN_RULES

    @property
    def name(self) -> str:
        kind = "never NULL" if self.max_share == 0 else f"NULL in at most {self.max_share:.0%}"
        return f"{self.column} {kind}" + (f" of {self.scope.description}" if self.scope else "")


@dataclasses.dataclass(frozen=True)
class RowCount:
    """Each day has exactly as many rows as `expected_from` implies (the asset hands the counts in)."""

    expected_from: str
    severity: dg.AssetCheckSeverity = ERROR
    check = ROW_COUNTS

    @property
    def name(self) -> str:
        return f"rows = {self.expected_from}"


@dataclasses.dataclass(frozen=True)
class Rule:
    """A rule about the day's data as a whole that the asset evaluates from its inputs and hands in as the rows
    that break it (e.g. a Final game without box scores). `check` is also the rule's name."""

    check: str
    description: str
    severity: dg.AssetCheckSeverity = ERROR

    @property
    def name(self) -> str:
        return self.check


EVERY_GAME, ROSTERED, PREDICTED = "every_game", "rostered", "predicted"


@dataclasses.dataclass(frozen=True)
class Coverage:
    """Which game dates a table must cover: a date is covered when every expected team-game has rows.

    expects: every_game = every Final competitive team-game; rostered = those with a knowable pre-game roster;
    predicted = those with a prediction candidate in the feature store. team_column None: one row per date."""

    expects: str = EVERY_GAME
    team_column: str | None = "team_abbr"


@dataclasses.dataclass(frozen=True)
class Window:
    """A history window the table's rows are built from, with its completeness (lineage) columns: the team games
    the schedule has in the window's span, how many of them the data has, and whether that is all of them.
    counts=False: only the window_complete column (a table that combines the windows of its inputs)."""

    description: str
    prefix: str = ""
    counts: bool = True
    severity: dg.AssetCheckSeverity = WARN

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.scheduled, self.with_data, self.complete) if self.counts else (self.complete,)

    @property
    def scheduled(self) -> str:
        return f"{self.prefix}team_games_scheduled"

    @property
    def with_data(self) -> str:
        return f"{self.prefix}team_games_with_data"

    @property
    def complete(self) -> str:
        return f"{self.prefix}window_complete"


@dataclasses.dataclass(frozen=True)
class Deadline:
    """Day D must be materialized by `hour`:00 US Eastern, `days_after` days after D. `needs_final`: the table is
    built from D's box scores, so D is due only once the schedule's games of D are over, and they must be Final."""

    days_after: int
    hour: int
    needs_final: bool
    description: str


RESULTS_DEADLINE = Deadline(1, 10, True, "results: day D by 10:00 US Eastern on D + 1, its games Final in the schedule")
PREGAME_DEADLINE = Deadline(0, 18, False, "pre-game: day D by 18:00 US Eastern on D, before the evening's tip-offs")
