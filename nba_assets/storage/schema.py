"""Declared table schemas: the column order and types every writer and reader of a warehouse table agrees on, and
the table's other facts declared beside them (rules with severities, coverage, windows, deadline: checks/rules.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
import dagster as dg
import pandas as pd

from nba_assets.checks.rules import ColumnRange, Coverage, Deadline, NullShare, RowCount, Rule, Window

STRING, INT64, FLOAT64, BOOL, DATE, TIMESTAMP = "STRING", "INT64", "FLOAT64", "BOOL", "DATE", "TIMESTAMP"

PANDAS_DTYPES = {
    STRING: "string",
    INT64: "Int64",
    FLOAT64: "float64",
    BOOL: "boolean",
    DATE: "datetime64[ns]",
    TIMESTAMP: "datetime64[ns]",
}
DUCKDB_TYPES = {STRING: "VARCHAR", INT64: "BIGINT", FLOAT64: "DOUBLE", BOOL: "BOOLEAN", DATE: "DATE", TIMESTAMP: "TIMESTAMP"}
DECLARED_BY_DUCKDB_TYPE = {duck: declared for declared, duck in DUCKDB_TYPES.items()}


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    nullable: bool = True
    unit: str = ""


def col(name: str, type_: str, description: str = "", *, nullable: bool = True, unit: str = "") -> Column:
    return Column(name, type_, description, nullable, unit)


class SchemaMismatchError(ValueError):
    pass


class SchemaDriftError(SchemaMismatchError):
    """The stored table's columns or types differ from the declared schema: a write would cast or NULL-fill."""


TABLES: dict[tuple[str, str], "TableSchema"] = {}


def registered(dataset: str, name: str) -> "TableSchema":
    try:
        return TABLES[(dataset, name)]
    except KeyError:
        raise SchemaMismatchError(f"no declared schema for table {dataset}.{name}") from None


@dataclasses.dataclass(frozen=True)
class TableSchema:
    """One warehouse table: dataset (= asset key prefix), name, partition date column, key and columns, and its
    quality facts: `rules` (column ranges, NULL shares, row counts, day rules, each with a severity), `coverage`
    (which game dates it must cover), `windows` (the history windows its rows carry completeness columns for) and
    `deadline` (by when a day must be there). `partitioned`: stored by day (False: rewritten whole). `append_only`:
    a ledger (storage.ledger), whose rows are only ever added, never recomputed."""

    dataset: str
    name: str
    date_column: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    rules: tuple[ColumnRange | NullShare | RowCount | Rule, ...] = ()
    coverage: Coverage | None = None
    windows: tuple[Window, ...] = ()
    deadline: Deadline | None = None
    partitioned: bool = True
    append_only: bool = False

    def __post_init__(self):
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate column names")
        missing = [k for k in (*self.key, self.date_column) if k not in names]
        if missing:
            raise ValueError(f"{self.name}: key/date columns {missing} are not declared")
        ruled = [r.column for r in self.rules if isinstance(r, (ColumnRange, NullShare))]
        ruled += [c for w in self.windows for c in w.columns]
        undeclared = [c for c in ruled if c not in names]
        if undeclared:
            raise ValueError(f"{self.name}: rules or windows name undeclared columns {undeclared}")
        TABLES[(self.dataset, self.name)] = self

    def rules_of(self, kind: type) -> list:
        return [rule for rule in self.rules if isinstance(rule, kind)]

    @property
    def checks(self) -> dict[str, list]:
        """check name -> the declared rules it evaluates, in declaration order."""
        checks: dict[str, list] = {}
        for rule in self.rules:
            checks.setdefault(rule.check, []).append(rule)
        return checks

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def qualified_name(self) -> str:
        return f"{self.dataset}.{self.name}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.dataset, self.name])

    def empty(self) -> pd.DataFrame:
        return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.type]) for c in self.columns})

    def conform(self, frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Exactly the declared columns (or the named subset), in declared order, with declared dtypes.

        Missing or extra columns are an error: a writer must produce the contract, never rely on positional inserts.
        """
        wanted = [c for c in self.columns if columns is None or c.name in columns]
        names = [c.name for c in wanted]
        missing = [c for c in names if c not in frame.columns]
        extra = [c for c in frame.columns if c not in names]
        if missing or extra:
            raise SchemaMismatchError(f"{self.qualified_name}: missing columns {missing}, undeclared columns {extra}")
        out = frame[names].reset_index(drop=True).copy()
        for column in wanted:
            out[column.name] = _cast(out[column.name], column)
        not_null = [c.name for c in wanted if not c.nullable and out[c.name].isna().any()]
        if not_null:
            raise SchemaMismatchError(f"{self.qualified_name}: NULL in non-nullable columns {not_null}")
        if columns is None and self.key:
            duplicated = out.duplicated(list(self.key), keep=False)
            if duplicated.any():
                raise SchemaMismatchError(f"{self.qualified_name}: {int(duplicated.sum())} rows share a key "
                                          f"({', '.join(self.key)}), e.g.\n{out.loc[duplicated, list(self.key)].head(6)}")
        return out

    def dagster_column_schema(self) -> dg.TableSchema:
        return dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=c.name,
                    type=c.type,
                    description=(c.description + (f" [{c.unit}]" if c.unit else "")) or None,
                    constraints=dg.TableColumnConstraints(nullable=c.nullable),
                )
                for c in self.columns
            ]
        )

    def drift(self, stored: Sequence[tuple[str, str]], declared_type_of: Mapping[str, str]) -> list[str]:
        """How the stored table's (column, stored type) list differs from the declaration, one line per column;
        empty when names, types and order are equal. declared_type_of maps a stored type name to ours."""
        declared = {c.name: c.type for c in self.columns}
        stored_types = dict(stored)
        problems = [f"column {name}: stored {kind}, declared {declared[name]}" for name, kind in stored
                    if name in declared and declared_type_of.get(kind.upper()) != declared[name]]
        problems += [f"column {name}: declared {kind}, not stored" for name, kind in declared.items() if name not in stored_types]
        problems += [f"column {name}: stored {kind}, not declared" for name, kind in stored if name not in declared]
        if not problems and [name for name, _ in stored] != self.column_names:
            problems.append(f"column order: stored {[name for name, _ in stored]}, declared {self.column_names}")
        return problems

    def refuse_drift(self, where: str, stored: Sequence[tuple[str, str]], declared_type_of: Mapping[str, str]) -> None:
        """Raises SchemaDriftError naming each differing column unless the stored table matches the declaration."""
        problems = self.drift(stored, declared_type_of)
        if problems:
            raise SchemaDriftError(drift_message(self, where, problems))

    def duckdb_ddl(self) -> str:
        cols = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.qualified_name} ({cols})"


def drift_message(table: TableSchema, where: str, problems: Sequence[str]) -> str:
    return (f"{where}: the stored table does not match its declared schema; nothing was written:\n  "
            + "\n  ".join(problems)
            + f"\nAn intended schema change: `nba-assets rebuild --table {table.qualified_name}` "
            "(docs/operations.md, \"Schema changes\").")


def _cast(values: pd.Series, column: Column) -> pd.Series:
    target = PANDAS_DTYPES[column.type]
    if column.type in (DATE, TIMESTAMP):
        converted = pd.to_datetime(values, cache=False)  # the cache probe iterates values in Python
        if converted.dt.tz is not None:
            converted = converted.dt.tz_convert("UTC").dt.tz_localize(None)
        converted = converted.astype("datetime64[ns]")
        return converted.dt.normalize() if column.type == DATE else converted
    if column.type == INT64 and pd.api.types.is_float_dtype(values):
        fractional = values.notna() & (values % 1 != 0)
        if fractional.any():
            raise SchemaMismatchError(f"column {column.name}: INT64 column holds fractional values")
    if column.type == STRING:
        return values.astype("string")
    return values.astype(target)



@dataclasses.dataclass(frozen=True)
class TableRows:
    """What a partitioned table asset outputs: the published rows of its window of days, and the quarantine
    ledger's rows for the same table and window (checks/ledger.py). The IO manager writes both, the ledger
    replaced for (table, window) like the rows; inputs still load as DataFrames."""

    rows: pd.DataFrame
    quarantine: pd.DataFrame
