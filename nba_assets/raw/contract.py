"""The raw-file contract: the nba_raw tables the pipeline reads, their columns, types and rules.

Every raw source (a folder of files, BigQuery nba_raw, the simulated league read as files) passes what it
reads through `check_raw_frame`. A row that breaks a rule is kept out of the rows and listed as a problem
naming the table, where the row came from (file and CSV line or Parquet row, or the BigQuery table), its day
and key, the column, the value and the rule. A problem belongs to its row's day: the assets that read the
table quarantine that day (their `raw_contract` rule, nba_assets.raw.reads), and every other day completes. What no
day can own (a missing column, an unreadable file, a CSV line with the wrong number of fields, a row without
a date) raises RawDataError instead. The rules themselves are in nba_assets.raw.rules; rules across tables (a box score's game must be
on the schedule) are applied by nba_assets.raw.reads. docs/raw-contract.md is generated from this module.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd

from nba_assets.raw.rules import (
    BOX_SCORE_SCHEDULE_RULES,
    COURT_LENGTH_FEET,
    GAME_SCHEDULED,
    GAMEBOOK_COUNTS,
    GAMEBOOK_SHOT_PAIRS,
    LONGEST_GAME_MINUTES,
    MAX_OVERTIMES,
    SAME_DATE,
    TEAM_IN_GAME,
    TEAM_MINUTES_TOLERANCE,
    TEAM_SHOT_PAIRS,
    RowRule,
    ScheduleRule,
    active_without_counts,
    active_without_minutes,
    home_is_away,
    made_exceeds_attempted,
    messages,
    minutes_beyond_game,
    number_text,
    outcome_not_of_market,
    points_from_shots,
    season_year_mismatch,
    team_minutes_not_a_game,
)
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

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclasses.dataclass(frozen=True)
class RawColumn:
    name: str
    type: str
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    bounds_reason: str = ""  # why a value outside low .. high cannot be real, shown in the problem
    step: float | None = None  # values are multiples of step (prop lines come in half points)
    allowed: tuple | None = None
    team_code: bool = False
    player_lookup: bool = False  # the normalized form of normalize_player_lookup; anything else is refused
    american_odds: bool = False
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
    rules: tuple[RowRule, ...] = ()
    schedule_rules: tuple[ScheduleRule, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[RawColumn]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> RawColumn:
        return next(c for c in self.columns if c.name == name)


def _count(name: str, description: str = "") -> RawColumn:
    return RawColumn(name, INT, low=0, description=description)


def _stat(name: str) -> RawColumn:
    """A box-score count: NULL is allowed only for players who did not play."""
    return RawColumn(name, INT, nullable=True, low=0)


def _lookup(description: str = "") -> RawColumn:
    return RawColumn("player_lookup", STRING, player_lookup=True, description=description)


# --- the tables -------------------------------------------------------------------------------------------------


INJURY_STATUSES = ("out", "doubtful", "questionable", "probable", "available")
PLAYER_STATUSES = ("active", "inactive", "dnp")
GAME_STATUSES = (1, 2, 3)

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
        RawColumn("game_status", INT, allowed=GAME_STATUSES, description="1 scheduled, 2 in progress, 3 Final"),
        RawColumn("is_regular_season", BOOL),
        RawColumn("is_playoffs", BOOL, description="play-in and playoff games"),
        RawColumn("is_all_star", BOOL),
        RawColumn("home_team_score", INT, nullable=True, low=0),
        RawColumn("away_team_score", INT, nullable=True, low=0),
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
    rules=(
        RowRule("home_is_away", "home_team_tricode", "the home team differs from the away team", home_is_away),
        RowRule("season_year", "season_year",
                "season_year fits game_date (January-June: the year before; November-December: the same year; "
                "July-October: either) and the season digits of an NBA.com game_id (00 T YY NNNNN)",
                season_year_mismatch),
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
        _lookup("normalised name, see normalize_player_lookup"),
        RawColumn("player_full_name", STRING),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("player_status", STRING, allowed=PLAYER_STATUSES),
        RawColumn("minutes", MINUTES, nullable=True, low=0, high=LONGEST_GAME_MINUTES,
                  bounds_reason=f"no game lasts longer than {LONGEST_GAME_MINUTES} minutes (48 + 5 per overtime, "
                                f"{MAX_OVERTIMES} overtimes at most); seconds written as minutes?",
                  description='decimal minutes or "MM:SS"'),
        *(_stat(name) for name in GAMEBOOK_COUNTS),
        RawColumn("plus_minus", INT, nullable=True),
        RawColumn("dnp_reason", STRING, nullable=True, required=False),
    ),
    rules=(
        RowRule("active_minutes", "minutes", "an active player has minutes", active_without_minutes),
        RowRule("active_counts", "points", "an active player has every box-score count", active_without_counts),
        RowRule("minutes_within_game", "minutes",
                "a player's minutes are at most the game's length (48 + 5 per overtime, the overtimes read from the "
                "smaller of the two teams' player-minutes)", minutes_beyond_game),
        RowRule("made_within_attempted", "field_goals_made",
                "made shots do not exceed attempts, threes do not exceed field goals", made_exceeds_attempted(GAMEBOOK_SHOT_PAIRS)),
        RowRule("points_from_shots", "points", "points = 2·FGM + 3PM + FTM (field goals made include the threes)",
                points_from_shots("points", "field_goals_made", "three_pointers_made", "free_throws_made")),
    ),
    schedule_rules=BOX_SCORE_SCHEDULE_RULES,
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
        RawColumn("minutes", MINUTES, low=0, description='team player-minutes, "240:00" or 240'),
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
    rules=(
        RowRule("team_minutes_a_game", "minutes",
                f"team minutes are 240 + 25 per overtime (within {TEAM_MINUTES_TOLERANCE}, at most {MAX_OVERTIMES} overtimes)",
                team_minutes_not_a_game),
        RowRule("made_within_attempted", "fg_made", "made shots do not exceed attempts, threes do not exceed field goals",
                made_exceeds_attempted(TEAM_SHOT_PAIRS)),
        RowRule("points_from_shots", "points", "points = 2·FGM + 3PM + FTM (field goals made include the threes)",
                points_from_shots("points", "fg_made", "three_pt_made", "ft_made")),
    ),
    schedule_rules=BOX_SCORE_SCHEDULE_RULES,
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
        _lookup(),
        RawColumn("team_abbr", STRING, team_code=True),
        RawColumn("shot_type", STRING, allowed=("2PT", "3PT")),
        RawColumn("shot_distance", FLOAT, nullable=True, low=0, high=COURT_LENGTH_FEET,
                  bounds_reason=f"the court is {COURT_LENGTH_FEET} feet long", description="feet"),
        RawColumn("shot_made", BOOL),
    ),
    schedule_rules=(GAME_SCHEDULED, SAME_DATE, TEAM_IN_GAME),
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
        _lookup(),
        RawColumn("bookmaker", STRING),
        RawColumn("points_line", FLOAT, low=0.5, high=80, step=0.5,
                  bounds_reason="no player's points line is below 0.5 or above 80"),
        RawColumn("over_price", INT, nullable=True, american_odds=True, description="American odds"),
        RawColumn("under_price", INT, nullable=True, american_odds=True, description="American odds"),
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
        RawColumn("outcome_price", INT, nullable=True, american_odds=True, description="American odds"),
    ),
    rules=(RowRule("outcome_of_market", "outcome_name", "a spreads outcome is a team code, a totals outcome Over or Under",
                   outcome_not_of_market),),
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
        RawColumn("report_hour", INT, low=0, high=23, bounds_reason="hours of the day are 0-23",
                  description="hour of the report, US Eastern (0-23)"),
        RawColumn("game_date", DATE),
        RawColumn("game_id", STRING),
        RawColumn("team", STRING, team_code=True),
        _lookup(),
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
        _lookup(),
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

# decided for every table: a player_lookup is the key that joins box scores, shots, lines, injuries and rosters
PLAYER_LOOKUP_RULE = ("refused in every table, not normalized on read: a key that breaks the rule means the feed is "
                      "broken, and fixing it silently in one table but not another would give one player two spellings")


# --- problems ---------------------------------------------------------------------------------------------------

# One row per refused raw row and broken rule, named as the quarantine ledger names a finding (a problems frame is
# a rule's failing rows as they are). raw_file is the file (or BigQuery table) the row came from; raw_row the CSV
# line (the header is line 1) or the Parquet row (the first data row is 1), NULL for BigQuery; game_date the row's
# date column (roster_date for rosters); contract_rule the rule's name in docs/raw-contract.md.
PROBLEM_COLUMNS = ("raw_table", "raw_file", "raw_row", "game_date", "game_id", "player_lookup", "team_abbr",
                   "column_name", "offending_value", "contract_rule", "detail")
_KEY_SOURCES = {"game_id": ("game_id",), "player_lookup": ("player_lookup",), "team_abbr": ("team_abbr", "team")}


def empty_problems() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    frame["game_date"] = pd.Series(dtype="datetime64[ns]")
    frame["raw_row"] = pd.Series(dtype="Int64")
    return frame


def row_word(raw_file: str) -> str:
    """How a file's rows are counted: CSV lines, Parquet rows."""
    return "line" if str(raw_file).endswith(".csv") else "row"


def format_problem(problem) -> str:
    """One line naming table, file and row, day and key, column, value and problem."""
    rows = problem.raw_row if isinstance(problem.raw_row, str) else (
        None if pd.isna(problem.raw_row) else f"{row_word(problem.raw_file)} {problem.raw_row}")
    where = problem.raw_file if rows is None else f"{problem.raw_file}, {rows}"
    key = [problem.game_date.strftime("%Y-%m-%d")] if pd.notna(problem.game_date) else []
    key += [f"{label} {getattr(problem, name)}" for name, label in
            (("game_id", "game"), ("player_lookup", "player"), ("team_abbr", "team")) if pd.notna(getattr(problem, name))]
    return (f"{problem.raw_table} ({where}) {', '.join(key)}: column '{problem.column_name}' = "
            f"{problem.offending_value!r}: {problem.detail}")


_SAME_CAUSE = ["raw_table", "raw_file", "game_date", "game_id", "column_name", "offending_value", "contract_rule", "detail"]


def _merged(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems with one cause over many rows (a game's box scores when its schedule row is refused) as one."""
    keys = problems[_SAME_CAUSE].astype(str).agg("|".join, axis=1)
    merged = []
    for _, rows in problems.groupby(keys, sort=False):
        first = rows.iloc[0].astype(object)
        if len(rows) > 1:
            first["raw_row"] = _row_ranges(row_word(first["raw_file"]), rows["raw_row"].dropna().astype(int).tolist())
            first["player_lookup"], first["team_abbr"] = None, None
            first["detail"] = f"{first['detail']} [{len(rows)} rows]"
        merged.append(first)
    return pd.DataFrame(merged, columns=problems.columns)


def _row_ranges(word: str, numbers: list[int]) -> str | None:
    """("line", [26, 27, 30]) -> "lines 26-27, 30"."""
    if not numbers:
        return None
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return f"{word}s " + ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def format_problems(problems: pd.DataFrame, limit: int = 10) -> str:
    if problems.empty:
        return ""
    merged = _merged(problems)
    lines = [format_problem(p) for p in merged.head(limit).itertuples(index=False)]
    if len(merged) > limit:
        lines.append(f"... and {len(merged) - limit} more")
    return "\n".join(lines)


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

    @classmethod
    def from_problems(cls, problems: pd.DataFrame) -> "RawDataError":
        first = problems.iloc[0]
        return cls(first["raw_table"], first["raw_file"], first["column_name"],
                   f"{len(problems)} row problem(s):\n{format_problems(problems)}")


@dataclasses.dataclass
class CheckedRows:
    """A raw read: the rows that passed every rule (contract dtypes, fresh index), the file row each came from
    (`source_rows`, aligned; see PROBLEM_COLUMNS' raw_row), and the problems of the rows kept out."""

    table: RawTable
    location: str
    rows: pd.DataFrame
    source_rows: pd.Series
    problems: pd.DataFrame

    def refuse(self, found: pd.DataFrame) -> "CheckedRows":
        """These rows out, their problems in; `found` = _findings of rules applied to `rows`."""
        if found.empty:
            return self
        problems = _problem_frame(self.table, self.location, self.rows, self.source_rows, found)
        keep = ~self.rows.index.isin(found["index"])
        return CheckedRows(self.table, self.location, self.rows[keep].reset_index(drop=True),
                           self.source_rows[keep].reset_index(drop=True),
                           pd.concat([self.problems, problems], ignore_index=True))


def _problem_frame(table: RawTable, location: str, rows: pd.DataFrame, source_rows: pd.Series,
                   found: pd.DataFrame) -> pd.DataFrame:
    at = found["index"].to_numpy()
    out = pd.DataFrame({"raw_table": table.name, "raw_file": location,
                        "raw_row": pd.array(source_rows.reindex(at).to_numpy(dtype=object), dtype="Int64"),
                        "game_date": pd.to_datetime(rows[table.date_column].reindex(at)).to_numpy()})
    for name, sources in _KEY_SOURCES.items():
        source = next((s for s in sources if s in rows.columns), None)
        out[name] = rows[source].reindex(at).astype(object).where(lambda v: pd.notna(v), None).to_numpy() \
            if source else None
    for name, found_as in (("column_name", "column"), ("offending_value", "value"), ("contract_rule", "rule"),
                           ("detail", "problem")):
        out[name] = found[found_as].to_numpy(dtype=object)
    return out[list(PROBLEM_COLUMNS)].sort_values(["game_date", "raw_row"], kind="stable").reset_index(drop=True)


# --- normalisation and conversion ---------------------------------------------------------------------------------


NORMALIZED_LOOKUP = r"[a-z0-9]+"  # what normalize_player_lookup returns for any name


def normalize_player_lookup(full_name: str) -> str:
    """Reference normalisation: lower case, accents stripped, non-alphanumerics removed, suffix kept."""
    ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower())


_MMSS = re.compile(r"^\s*(\d+):([0-5]\d)\s*$")


def parse_minutes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal minutes or "MM:SS" -> float minutes. Returns (minutes, unparseable mask) so callers can name bad rows."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
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


_WHOLE = r"[+-]?\d+"


def fullmatches(values: pd.Series, pattern: str | re.Pattern) -> pd.Series:
    """Whether each value, as text, fully matches `pattern` (NULL: False). Each distinct value is matched once: a
    season's raw reads repeat a few thousand names and 30 team codes hundreds of thousands of times."""
    codes, distinct = pd.factorize(values)
    matched = pd.Series(distinct).astype("string").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.append(matched, False)[codes], index=values.index)  # code -1 (NULL) takes the appended False
_EXACT_DIGITS = 18  # whole numbers this long always fit INT64; longer ones are checked exactly


def _to_int(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(Int64 values, mask of values that are not whole numbers, mask of whole numbers outside INT64)."""
    present = values.notna()
    none = pd.Series(False, index=values.index)
    if pd.api.types.is_signed_integer_dtype(values):
        return values.astype("Int64"), none, none
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    overflow = none.copy()
    if pd.api.types.is_unsigned_integer_dtype(values):
        overflow = present & (values > INT64_MAX)
        out[present & ~overflow] = values[present & ~overflow].astype("int64")
        return out, none, overflow
    rest = present
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.where(present).astype("string").str.strip()
        whole = fullmatches(text, _WHOLE)
        short = whole & (text.str.lstrip("+-").str.len() <= _EXACT_DIGITS)
        if short.any():
            out[short] = pd.to_numeric(text[short]).astype("int64")
        for at in whole.index[whole & ~short]:  # exact: a float would round a 20-digit number
            number = int(text[at])
            if INT64_MIN <= number <= INT64_MAX:
                out[at] = number
            else:
                overflow[at] = True
        rest = present & ~whole
        numeric = pd.to_numeric(values.where(rest), errors="coerce").astype("float64")
    else:
        numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    integral = rest & numeric.notna() & np.isfinite(numeric) & (numeric % 1 == 0)
    too_large = integral & (numeric.abs() >= 2.0**63)
    fits = integral & ~too_large
    if fits.any():
        out[fits] = numeric[fits].astype("int64")
    return out, rest & ~integral, overflow | too_large


def _convert(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Convert one column to its contract type: (converted, mask of values of the wrong type, mask of whole
    numbers too large for INT64)."""
    present = values.notna()
    none = pd.Series(False, index=values.index)
    if kind == STRING:
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return values.astype("string"), none, none
        ok = values.map(lambda v: isinstance(v, str)) | ~present
        return values.where(ok).astype("string"), present & ~ok, none
    if kind == INT:
        return _to_int(values)
    if kind == FLOAT:
        numeric = pd.to_numeric(values, errors="coerce")
        return numeric.astype("float64"), present & numeric.isna(), none
    if kind == BOOL:
        if pd.api.types.is_bool_dtype(values):
            return values.astype("boolean"), none, none
        mapping = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}
        mapped = values.map(lambda v: mapping.get(str(v).strip().lower()) if pd.notna(v) else None)
        return mapped.astype("boolean"), present & mapped.isna(), none
    if kind == DATE:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed") if values.dtype == object else None
        if parsed is None:
            parsed = pd.to_datetime(values, errors="coerce")
        bad = present & parsed.isna()
        if parsed.dt.tz is not None:
            bad |= present
            parsed = parsed.dt.tz_localize(None)
        has_time = parsed.notna() & (parsed != parsed.dt.normalize())
        return parsed.dt.normalize().astype("datetime64[ns]"), bad | has_time, none
    if kind == TIMESTAMP:
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed") if values.dtype == object else None
        if parsed is None:
            parsed = pd.to_datetime(values, errors="coerce", utc=True)
        return parsed.astype("datetime64[ns, UTC]"), present & parsed.isna(), none
    if kind == MINUTES:
        minutes, bad = parse_minutes(values)
        return minutes, bad, none
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
# a file column of one of these pandas kinds can never hold the contract type: a schema problem of the file
_IMPOSSIBLE_DTYPES = {STRING: ("b", "i", "u", "f", "M"), INT: ("b", "M"), FLOAT: ("b", "M"), MINUTES: ("b", "M"),
                      DATE: ("b", "i", "u", "f"), TIMESTAMP: ("b", "i", "u", "f"), BOOL: ("M",)}


# --- checking a read --------------------------------------------------------------------------------------------


def _finding(column: str, rule: str, texts: pd.Series, values: pd.Series) -> pd.DataFrame | None:
    if texts.empty:
        return None
    return pd.DataFrame({"index": texts.index, "column": column, "rule": rule,
                         "value": values.reindex(texts.index).map(number_text).to_numpy(dtype=object),
                         "problem": texts.to_numpy(dtype=object)})


def _bounds_text(col: RawColumn, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(mask, text) of values outside the column's low .. high."""
    below = (values < col.low) if col.low is not None else pd.Series(False, index=values.index)
    above = (values > col.high) if col.high is not None else pd.Series(False, index=values.index)
    reason = f": {col.bounds_reason}" if col.bounds_reason else ""
    low_text = "negative" if col.low == 0 else f"below {number_text(col.low)}{reason}"
    text = pd.Series(low_text, index=values.index, dtype=object).where(below.fillna(False).astype(bool),
                                                                        f"above {number_text(col.high)}{reason}")
    return (below | above).fillna(False).astype(bool), text


def _column_findings(col: RawColumn, raw: pd.Series, values: pd.Series, bad: pd.Series,
                     overflow: pd.Series) -> list[pd.DataFrame]:
    found = [_finding(col.name, "type", messages(bad, f"expected {_TYPE_WORDS[col.type]}"), raw),
             _finding(col.name, "int64_range", messages(overflow, f"whole number out of the 64-bit integer range "
                                                         f"({INT64_MIN} .. {INT64_MAX})"), raw)]
    ok = ~(bad | overflow)
    if not col.nullable:
        found.append(_finding(col.name, "not_null", messages(ok & values.isna(), "NULL in a non-nullable column"), raw))
    checked = ok & values.notna()
    if col.type in (FLOAT, MINUTES):
        infinite = checked & ~np.isfinite(values.astype("float64").fillna(0))
        found.append(_finding(col.name, "finite", messages(infinite, "not a finite number"), raw))
        checked &= ~infinite
    if col.low is not None or col.high is not None:
        outside, text = _bounds_text(col, values.astype("float64"))
        found.append(_finding(col.name, "bounds", messages(checked & outside, text), raw))
    if col.step is not None:
        off_step = checked & ((values.astype("float64") / col.step) % 1 != 0)
        found.append(_finding(col.name, "step", messages(off_step, f"not a multiple of {col.step:g}"), raw))
    if col.allowed is not None:
        found.append(_finding(col.name, "allowed", messages(checked & ~values.isin(col.allowed),
                                                             f"not one of {', '.join(map(str, col.allowed))}"), raw))
    if col.team_code:
        wrong = checked & ~fullmatches(values, TEAM_CODE_PATTERN)
        found.append(_finding(col.name, "team_code", messages(wrong, "team codes must be three upper-case letters"), raw))
    if col.player_lookup:
        wrong = checked & ~fullmatches(values, NORMALIZED_LOOKUP)
        found.append(_finding(col.name, "player_lookup", messages(wrong, lambda at: [
            f"not in the normalized form (lower case, accents stripped, non-alphanumerics removed): expected "
            f"'{normalize_player_lookup(v)}'" for v in values[at]]), raw))
    if col.american_odds:
        wrong = checked & (values.astype("float64").abs() < 100)
        found.append(_finding(col.name, "american_odds", messages(wrong, "not American odds (+100 or more, "
                                                                   "-100 or less)"), raw))
    return found


def _duplicate_findings(table: RawTable, typed: pd.DataFrame) -> pd.DataFrame | None:
    key = list(table.key)
    keyed = typed[key].notna().all(axis=1)
    dup = keyed & typed.duplicated(key, keep=False)
    if not dup.any():
        return None
    groups = typed[dup].groupby(key, dropna=False).groups
    texts, values = {}, {}
    for group_key, index in groups.items():
        for i in index:
            texts[i] = f"duplicate key ({', '.join(key)})"
            values[i] = " | ".join(number_text(v) for v in (group_key if isinstance(group_key, tuple) else (group_key,)))
    texts_series = pd.Series(texts, dtype=object)
    return _finding(",".join(key), "unique_key", texts_series, pd.Series(values, dtype=object))


def _rule_findings(table: RawTable, typed: pd.DataFrame, raw: pd.DataFrame) -> list[pd.DataFrame]:
    """The table's row rules on the typed rows; values are shown as the source wrote them."""
    found = []
    for rule in table.rules:
        texts = rule.find(typed) if len(typed) else pd.Series(dtype=object)
        found.append(_finding(rule.column, rule.name, texts, raw[rule.column]))
    return found


def check_raw_frame(frame: pd.DataFrame, table: RawTable, location: str,
                    source_rows: pd.Series | None = None) -> CheckedRows:
    """Check one read of a raw table (whole days) against the contract: the rows that pass, with contract
    dtypes, and a problem per broken rule of the rows kept out (PROBLEM_COLUMNS).

    `source_rows` (aligned with `frame`) numbers the file row of each (PROBLEM_COLUMNS' raw_row). Raises RawDataError
    for what no day can own: a missing required column, a file column of a type that cannot hold the contract
    type, a row without a parseable date. Columns outside the contract are dropped; optional contract columns
    that are absent are added as NULL so consumers see one shape.
    """
    frame = frame.reset_index(drop=True)
    source_rows = pd.Series(pd.array([pd.NA] * len(frame) if source_rows is None else source_rows.to_numpy(dtype=object),
                                     dtype="Int64"), index=frame.index)
    missing = [c.name for c in table.required_columns if c.name not in frame.columns]
    if missing:
        raise RawDataError(
            table.name, location, missing[0], f"required column(s) missing: {', '.join(missing)}; found {list(frame.columns)}"
        )
    for col in table.columns:
        stored = frame[col.name] if col.name in frame.columns else None
        if stored is not None and stored.dtype.kind in _IMPOSSIBLE_DTYPES[col.type] and stored.notna().any():
            raise RawDataError(table.name, location, col.name,
                               f"stored as {stored.dtype}, which cannot hold {_TYPE_WORDS[col.type]}")
    typed = pd.DataFrame(index=frame.index)
    findings: list[pd.DataFrame] = []
    for col in table.columns:
        if col.name not in frame.columns:
            typed[col.name] = pd.Series(pd.NA, index=frame.index, dtype=_EMPTY_DTYPES[col.type])
            continue
        converted, bad, overflow = _convert(frame[col.name], col.type)
        typed[col.name] = converted
        if col.name == table.date_column and (bad | converted.isna()).any():
            undated = bad | converted.isna()
            shown = frame.loc[undated, [c for c in dict.fromkeys([*table.key, table.date_column]) if c in frame.columns]]
            raise RawDataError(table.name, location, col.name, "missing or unparseable dates",
                               shown.assign(**{row_word(location): source_rows[undated]}))
        findings += _column_findings(col, frame[col.name], converted, bad, overflow)
    if table.key:
        findings.append(_duplicate_findings(table, typed))
    findings = [f for f in findings if f is not None]
    column_problem_rows = set().union(*(set(f["index"]) for f in findings))
    findings += [f for f in _rule_findings(table, typed[~typed.index.isin(column_problem_rows)], frame) if f is not None]
    return CheckedRows(table, location, typed, source_rows, empty_problems()).refuse(_all(findings))


def _all(findings: list[pd.DataFrame | None]) -> pd.DataFrame:
    found = [f for f in findings if f is not None]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["index", "column", "rule", "value", "problem"])


def validate_raw_frame(frame: pd.DataFrame, table: RawTable, location: str) -> pd.DataFrame:
    """check_raw_frame for callers that accept no refused row (tests, the simulator's own output): the rows, or
    RawDataError listing every problem."""
    checked = check_raw_frame(frame, table, location)
    if len(checked.problems):
        raise RawDataError.from_problems(checked.problems)
    return checked.rows


def check_against_schedule(checked: CheckedRows, schedule: CheckedRows) -> CheckedRows:
    """The table's schedule rules against the schedule read of the same days; rows that break one are refused."""
    if not checked.table.schedule_rules or checked.rows.empty:
        return checked
    games = schedule.rows.set_index("game_id")
    refused = set(schedule.problems["game_id"].dropna())
    rows = checked.rows
    found = []
    unscheduled: set = set()
    for rule in checked.table.schedule_rules:
        texts = rule.find(rows[~rows.index.isin(unscheduled)], games, refused)
        if rule is GAME_SCHEDULED:
            unscheduled = set(texts.index)
        found.append(_finding(rule.column, rule.name, texts, rows[rule.column]))
    return checked.refuse(_all(found))


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


def empty_checked(table: RawTable, location: str) -> CheckedRows:
    return CheckedRows(table, location, empty_raw_frame(table), pd.Series(dtype="Int64"), empty_problems())
