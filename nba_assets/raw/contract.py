"""The raw-file contract: the nba_raw tables the pipeline reads, their columns, types and rules.

Every raw source (simulated league, a folder of files, BigQuery nba_raw) returns DataFrames that passed
`validate_raw_frame`, so the phases never see a wrongly typed or malformed raw row. The human-readable
version of this module is docs/raw-contract.md.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd

from nba_assets.teams import TEAM_CODE_PATTERN

# Logical column types. "minutes" accepts decimal minutes or "MM:SS" and is normalised to float minutes.
STRING, INT, FLOAT, BOOL, DATE, TIMESTAMP, MINUTES = (
    "string",
    "int",
    "float",
    "bool",
    "date",
    "timestamp",
    "minutes",
)


@dataclasses.dataclass(frozen=True)
class RawColumn:
    name: str
    type: str
    nullable: bool = False
    non_negative: bool = False
    allowed: tuple[str, ...] | None = None
    team_code: bool = False
    required: bool = True
    description: str = ""


@dataclasses.dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[RawColumn, ...]
    key: tuple[str, ...]
    date_column: str
    required: bool
    description: str
    absent_behaviour: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[RawColumn]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> RawColumn:
        return next(c for c in self.columns if c.name == name)


def _count(name: str, description: str = "") -> RawColumn:
    return RawColumn(name, INT, non_negative=True, description=description)


def _stat(name: str) -> RawColumn:
    """A box-score count: NULL is allowed only for players who did not play."""
    return RawColumn(name, INT, nullable=True, non_negative=True)


INJURY_STATUSES = ("out", "doubtful", "questionable", "probable", "available")
PLAYER_STATUSES = ("active", "inactive", "dnp")

NBAC_SCHEDULE = RawTable(
    name="nbac_schedule",
    description="One row per game, the latest schedule (NBA.com game ids).",
    date_column="game_date",
    key=("game_id",),
    required=True,
    columns=(
        RawColumn("game_id", STRING, description="NBA.com game id, the canonical game key"),
        RawColumn("game_date", DATE, description="local (US Eastern) calendar date of the game"),
        RawColumn("season_year", INT, description="starting year of the season (2021 = 2021-22)"),
        RawColumn("home_team_tricode", STRING, team_code=True),
        RawColumn("away_team_tricode", STRING, team_code=True),
        RawColumn("game_status", INT, allowed=None, description="1 scheduled, 2 in progress, 3 Final"),
        RawColumn("is_regular_season", BOOL),
        RawColumn("is_playoffs", BOOL, description="play-in and playoff games"),
        RawColumn("is_all_star", BOOL),
        RawColumn("home_team_score", INT, nullable=True, non_negative=True),
        RawColumn("away_team_score", INT, nullable=True, non_negative=True),
        RawColumn(
            "game_start_time_utc",
            TIMESTAMP,
            nullable=True,
            required=False,
            description="scheduled tip-off (UTC); when absent, tip-off is taken as 12:00 US Eastern",
        ),
        RawColumn(
            "is_play_in",
            BOOL,
            required=False,
            description="play-in game; when absent, NBA.com ids starting with 005 mark play-in",
        ),
        RawColumn("is_postponed", BOOL, required=False, description="game did not take place on game_date"),
        RawColumn("is_neutral_site", BOOL, required=False),
    ),
)

NBAC_GAMEBOOK_PLAYER_STATS = RawTable(
    name="nbac_gamebook_player_stats",
    description="One row per player per game: active players, and inactive / DNP players where the source lists them.",
    date_column="game_date",
    key=("game_id", "player_lookup"),
    required=True,
    columns=(
        RawColumn("game_id", STRING),
        RawColumn("game_date", DATE),
        RawColumn("player_lookup", STRING, description="normalised name, see normalize_player_lookup"),
        RawColumn("player_full_name", STRING),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("player_status", STRING, allowed=PLAYER_STATUSES),
        RawColumn("minutes", MINUTES, nullable=True, non_negative=True, description='decimal minutes or "MM:SS"'),
        _stat("points"),
        _stat("field_goals_made"),
        _stat("field_goals_attempted"),
        _stat("three_pointers_made"),
        _stat("three_pointers_attempted"),
        _stat("free_throws_made"),
        _stat("free_throws_attempted"),
        _stat("offensive_rebounds"),
        _stat("defensive_rebounds"),
        _stat("assists"),
        _stat("steals"),
        _stat("blocks"),
        _stat("turnovers"),
        _stat("personal_fouls"),
        RawColumn("plus_minus", INT, nullable=True),
        RawColumn("dnp_reason", STRING, nullable=True, required=False),
    ),
)

NBAC_TEAM_BOXSCORE = RawTable(
    name="nbac_team_boxscore",
    description="One row per team per game.",
    date_column="game_date",
    key=("game_id", "team_abbr"),
    required=False,
    absent_behaviour="team totals are summed from the player rows of nbac_gamebook_player_stats "
    "(team_stats_source = 'player_rows'); team minutes are the sum of player minutes",
    columns=(
        RawColumn("game_id", STRING),
        RawColumn("game_date", DATE),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("minutes", MINUTES, non_negative=True, description='team player-minutes, "240:00" or 240'),
        _count("fg_made"),
        _count("fg_attempted"),
        _count("three_pt_made"),
        _count("three_pt_attempted"),
        _count("ft_made"),
        _count("ft_attempted"),
        _count("offensive_rebounds"),
        _count("defensive_rebounds"),
        _count("assists"),
        _count("steals"),
        _count("blocks"),
        _count("turnovers"),
        _count("personal_fouls"),
        _count("points"),
    ),
)

NBAC_PLAY_BY_PLAY = RawTable(
    name="nbac_play_by_play",
    description="One row per field-goal attempt (shot events).",
    date_column="game_date",
    key=(),
    required=False,
    absent_behaviour="shot-zone columns are NULL and has_shot_zones / shot_zones_available are FALSE; "
    "Phase 4 zone metrics for windows without zone data are NULL with sample counts of 0",
    columns=(
        RawColumn("game_id", STRING),
        RawColumn("game_date", DATE),
        RawColumn("player_lookup", STRING),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("shot_type", STRING, allowed=("2PT", "3PT")),
        RawColumn("shot_distance", FLOAT, nullable=True, non_negative=True, description="feet"),
        RawColumn("shot_made", BOOL),
    ),
)

ODDS_API_PLAYER_POINTS_PROPS = RawTable(
    name="odds_api_player_points_props",
    description="Player points prop-line snapshots, one row per snapshot x bookmaker x player.",
    date_column="game_date",
    key=("game_date", "player_lookup", "bookmaker", "snapshot_timestamp"),
    required=False,
    absent_behaviour="no prop lines: points_line / current_points_line are NULL, has_prop_line is FALSE",
    columns=(
        RawColumn("game_date", DATE),
        RawColumn("player_lookup", STRING),
        RawColumn("bookmaker", STRING),
        RawColumn("points_line", FLOAT, non_negative=True),
        RawColumn("over_price", INT, nullable=True, description="American odds"),
        RawColumn("under_price", INT, nullable=True, description="American odds"),
        RawColumn("snapshot_timestamp", TIMESTAMP, description="UTC"),
        RawColumn("minutes_before_tipoff", FLOAT, description="negative = taken after tip-off (in-game)"),
        RawColumn("game_id", STRING, nullable=True, required=False),
    ),
)

ODDS_API_GAME_LINES = RawTable(
    name="odds_api_game_lines",
    description="Game spread and total snapshots, one row per snapshot x bookmaker x market x outcome.",
    date_column="game_date",
    key=("game_id", "snapshot_timestamp", "bookmaker_key", "market_key", "outcome_name"),
    required=False,
    absent_behaviour="game_spread / game_total are NULL with source 'none'",
    columns=(
        RawColumn("game_id", STRING),
        RawColumn("game_date", DATE),
        RawColumn("snapshot_timestamp", TIMESTAMP, description="UTC"),
        RawColumn("minutes_before_tipoff", FLOAT, description="negative = taken after tip-off"),
        RawColumn("bookmaker_key", STRING),
        RawColumn("market_key", STRING, allowed=("spreads", "totals")),
        RawColumn("outcome_name", STRING, description="team tricode for spreads, Over / Under for totals"),
        RawColumn("outcome_point", FLOAT),
        RawColumn("outcome_price", INT, nullable=True),
    ),
)

NBAC_INJURY_REPORT = RawTable(
    name="nbac_injury_report",
    description="Official injury report, one row per player per report hour.",
    date_column="game_date",
    key=("report_date", "report_hour", "game_id", "player_lookup"),
    required=False,
    absent_behaviour="injury_status is NULL with injury_report_available FALSE; nothing is assumed about availability",
    columns=(
        RawColumn("report_date", DATE),
        RawColumn("report_hour", INT, non_negative=True, description="hour of the report, US Eastern (0-23)"),
        RawColumn("game_date", DATE),
        RawColumn("game_id", STRING),
        RawColumn("team", STRING, team_code=True),
        RawColumn("player_lookup", STRING),
        RawColumn("injury_status", STRING, allowed=INJURY_STATUSES),
        RawColumn("reason", STRING, nullable=True),
    ),
)

ESPN_TEAM_ROSTERS = RawTable(
    name="espn_team_rosters",
    description="Roster snapshots, one row per player per team per snapshot date (taken before tip-off).",
    date_column="roster_date",
    key=("roster_date", "team_abbr", "player_lookup"),
    required=False,
    absent_behaviour="the pre-game roster is the players whose latest appearance before the game date was for "
    "that team within its last 10 games (roster_source = 'recent_appearances')",
    columns=(
        RawColumn("roster_date", DATE),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("player_lookup", STRING),
        RawColumn("player_full_name", STRING, nullable=True, required=False),
    ),
)

RAW_TABLES: dict[str, RawTable] = {
    t.name: t
    for t in (
        NBAC_SCHEDULE,
        NBAC_GAMEBOOK_PLAYER_STATS,
        NBAC_TEAM_BOXSCORE,
        NBAC_PLAY_BY_PLAY,
        ODDS_API_PLAYER_POINTS_PROPS,
        ODDS_API_GAME_LINES,
        NBAC_INJURY_REPORT,
        ESPN_TEAM_ROSTERS,
    )
}


class RawDataError(ValueError):
    """Raw input that breaks the contract; the message names table, file, column and offending rows."""

    def __init__(self, table: str, location: str, column: str | None, problem: str, rows: pd.DataFrame | None = None):
        self.table, self.location, self.column, self.problem = table, location, column, problem
        self.rows = rows
        where = f"{table} ({location})"
        if column:
            where += f", column '{column}'"
        message = f"{where}: {problem}"
        if rows is not None and len(rows):
            message += f"\n{len(rows)} offending row(s), first {min(len(rows), 10)}:\n"
            message += rows.head(10).to_string()
        super().__init__(message)


def normalize_player_lookup(full_name: str) -> str:
    """Reference normalisation: lower case, accents stripped, non-alphanumerics removed, suffix kept."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())


_MMSS = re.compile(r"^\s*(\d+):([0-5]\d)\s*$")


def parse_minutes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal minutes or "MM:SS" -> float minutes. Returns (minutes, unparseable mask) so callers can name bad rows."""
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    present = values.notna() & (values.astype("string").str.strip() != "")
    numeric = pd.to_numeric(values.where(present), errors="coerce")
    out[numeric.notna()] = numeric[numeric.notna()].astype(float)
    text = values[present & numeric.isna()].astype(str)
    parts = text.str.extract(_MMSS)
    parsed = parts[0].astype(float) + parts[1].astype(float) / 60.0
    out[parsed.index] = parsed
    bad = present & out.isna()
    return out, bad


def _convert(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Convert one column to its contract type; returns (converted, mask of non-null values that failed)."""
    present = values.notna()
    if kind == STRING:
        ok = values.map(lambda v: isinstance(v, str)) | ~present
        return values.astype("string"), present & ~ok
    if kind == INT:
        if pd.api.types.is_bool_dtype(values):
            return values.astype("Int64"), present
        numeric = pd.to_numeric(values, errors="coerce")
        bad = present & (numeric.isna() | (numeric.notna() & (numeric % 1 != 0)))
        return numeric.where(~bad).round().astype("Int64"), bad
    if kind == FLOAT:
        if pd.api.types.is_bool_dtype(values):
            return values.astype("float64"), present
        numeric = pd.to_numeric(values, errors="coerce")
        return numeric.astype("float64"), present & numeric.isna()
    if kind == BOOL:
        if pd.api.types.is_bool_dtype(values):
            return values.astype("boolean"), pd.Series(False, index=values.index)
        mapping = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}
        mapped = values.map(lambda v: mapping.get(str(v).strip().lower()) if pd.notna(v) else None)
        return mapped.astype("boolean"), present & mapped.isna()
    if kind == DATE:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed") if values.dtype == object else None
        if parsed is None:
            parsed = pd.to_datetime(values, errors="coerce")
        bad = present & parsed.isna()
        if parsed.dt.tz is not None:
            bad |= present
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_localize(None)
        has_time = parsed.notna() & (parsed != parsed.dt.normalize())
        return parsed.dt.normalize().astype("datetime64[ns]"), bad | has_time
    if kind == TIMESTAMP:
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed") if values.dtype == object else None
        if parsed is None:
            parsed = pd.to_datetime(values, errors="coerce", utc=True)
        return parsed.astype("datetime64[ns, UTC]"), present & parsed.isna()
    if kind == MINUTES:
        return parse_minutes(values)
    raise ValueError(f"unknown contract type {kind}")


_TYPE_WORDS = {
    STRING: "text",
    INT: "whole numbers",
    FLOAT: "numbers",
    BOOL: "booleans (true/false)",
    DATE: "dates (YYYY-MM-DD)",
    TIMESTAMP: "timestamps",
    MINUTES: 'minutes (decimal or "MM:SS")',
}


def _row_context(frame: pd.DataFrame, table: RawTable, mask: pd.Series, column: str) -> pd.DataFrame:
    show = [c for c in (*table.key, table.date_column, column) if c in frame.columns]
    return frame.loc[mask, list(dict.fromkeys(show))]


def validate_raw_frame(frame: pd.DataFrame, table: RawTable, location: str) -> pd.DataFrame:
    """Check one slice of a raw table against the contract and return it with contract dtypes.

    Raises RawDataError naming table, location, column and offending rows. Columns outside the contract
    are dropped; optional contract columns that are absent are added as NULL so consumers see one shape.
    """
    missing = [c.name for c in table.required_columns if c.name not in frame.columns]
    if missing:
        raise RawDataError(
            table.name, location, missing[0], f"required column(s) missing: {', '.join(missing)}; found {list(frame.columns)}"
        )
    out = pd.DataFrame(index=frame.index)
    for col in table.columns:
        if col.name not in frame.columns:
            out[col.name] = pd.Series(pd.NA, index=frame.index, dtype=_EMPTY_DTYPES[col.type])
            continue
        converted, bad = _convert(frame[col.name], col.type)
        if bad.any():
            raise RawDataError(
                table.name, location, col.name, f"expected {_TYPE_WORDS[col.type]}", _row_context(frame, table, bad, col.name)
            )
        out[col.name] = converted
    for col in table.columns:
        values = out[col.name]
        if not col.nullable and values.isna().any() and col.name in frame.columns:
            raise RawDataError(
                table.name, location, col.name, "NULL in a non-nullable column", _row_context(frame, table, values.isna(), col.name)
            )
        if col.non_negative:
            negative = values.notna() & (values.astype("float64") < 0)
            if negative.any():
                raise RawDataError(
                    table.name, location, col.name, "negative values", _row_context(frame, table, negative, col.name)
                )
        if col.allowed is not None:
            invalid = values.notna() & ~values.isin(col.allowed)
            if invalid.any():
                raise RawDataError(
                    table.name,
                    location,
                    col.name,
                    f"values outside {list(col.allowed)}",
                    _row_context(frame, table, invalid, col.name),
                )
        if col.team_code:
            invalid = values.notna() & ~values.astype(str).str.fullmatch(TEAM_CODE_PATTERN)
            if invalid.any():
                raise RawDataError(
                    table.name,
                    location,
                    col.name,
                    "team codes must be three upper-case letters",
                    _row_context(frame, table, invalid, col.name),
                )
    if table.key:
        dup = out.duplicated(list(table.key), keep=False)
        if dup.any():
            raise RawDataError(
                table.name,
                location,
                ",".join(table.key),
                f"duplicate key ({', '.join(table.key)})",
                frame.loc[dup, [c for c in frame.columns if c in table.column_names]].sort_values(list(table.key)),
            )
    return out.reset_index(drop=True)


_EMPTY_DTYPES = {
    STRING: "string",
    INT: "Int64",
    FLOAT: "float64",
    BOOL: "boolean",
    DATE: "datetime64[ns]",
    TIMESTAMP: "datetime64[ns, UTC]",
    MINUTES: "float64",
}


def empty_raw_frame(table: RawTable) -> pd.DataFrame:
    """A zero-row frame with the table's contract columns and dtypes (for absent optional tables)."""
    return pd.DataFrame({c.name: pd.Series(dtype=_EMPTY_DTYPES[c.type]) for c in table.columns})
