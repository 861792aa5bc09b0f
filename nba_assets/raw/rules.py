"""The row rules of the raw contract: rules over one table's rows (a read holds whole days, so a rule may compare
the rows of a game) and rules between a table's rows and the schedule. Each rule returns the problem text of
every offending row; nba_assets.raw.contract declares which table obeys which."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from nba_assets.calendar import FINAL, is_exhibition, season_label
from nba_assets.teams import TEAM_CODE_PATTERN

REGULATION_MINUTES, OVERTIME_MINUTES = 48, 5
MAX_OVERTIMES = 6  # the longest NBA game (1951) had six overtimes
LONGEST_GAME_MINUTES = REGULATION_MINUTES + MAX_OVERTIMES * OVERTIME_MINUTES  # 78
TEAM_MINUTES_TOLERANCE = 5  # summed from rounded player minutes, a team's total can miss 240 + 25·k by a little
MINUTES_ROUNDING = 0.5
COURT_LENGTH_FEET = 94


@dataclasses.dataclass(frozen=True)
class RowRule:
    """A rule over the typed rows of one table (one read holds whole days, so a rule may compare the rows of a
    game). `find` returns the problem text of each offending row, indexed like the rows."""

    name: str
    column: str
    description: str
    find: Callable[[pd.DataFrame], pd.Series]


@dataclasses.dataclass(frozen=True)
class ScheduleRule:
    """A rule between a table's rows and the nbac_schedule rows of the same days. `find(rows, games, refused)`
    gets the schedule indexed by game_id and the ids of games whose schedule row was refused."""

    name: str
    column: str
    description: str
    find: Callable[[pd.DataFrame, pd.DataFrame, set], pd.Series]


def messages(mask: pd.Series, texts) -> pd.Series:
    """The problem texts of the rows `mask` selects: one string for all, or a function of the selected rows
    (built for offending rows only: a read holds tens of thousands of good rows)."""
    mask = mask.fillna(False).astype(bool)
    if isinstance(texts, str):
        return pd.Series(texts, index=mask.index[mask], dtype=object)
    selected = mask.index[mask]
    if not len(selected):
        return pd.Series(dtype=object)
    if isinstance(texts, pd.Series):
        return pd.Series(texts[selected], index=selected, dtype=object)
    return pd.Series(texts(selected), index=selected, dtype=object)


def number_text(value) -> str:
    """A value as a problem shows it: NULL, whole floats without ".0", dates without a time."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return "NULL"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp) and value == value.normalize() and value.tz is None:
        return value.strftime("%Y-%m-%d")
    return str(value)


def numbers_text(values: pd.Series) -> pd.Series:
    return values.map(number_text).astype(object)


# --- nbac_schedule ----------------------------------------------------------------------------------------------


def home_is_away(rows: pd.DataFrame) -> pd.Series:
    return messages(rows["home_team_tricode"] == rows["away_team_tricode"],
                     lambda at: "home team equals away team (" + rows.loc[at, "home_team_tricode"].astype(str) + ")")


NBA_COM_GAME_ID = r"00\d{8}"  # 00, game type, two digits of the season's starting year, game number


def season_year_mismatch(rows: pd.DataFrame) -> pd.Series:
    """A season starts between July and October and ends by October of the next year: a game in January-June
    belongs to the season that started the year before, a game in November-December to the season of its year.
    An NBA.com game id names its season too."""
    date, season, game_id = rows["game_date"], rows["season_year"].astype("Int64"), rows["game_id"].astype(str)
    year, month = date.dt.year, date.dt.month
    earliest = year.where(month >= 11, year - 1)
    latest = year.where(month >= 7, year - 1)
    off_date = (season < earliest) | (season > latest)

    def date_text(at):
        seasons = [season_label(e) if e == l else f"{season_label(e)} or {season_label(l)}"
                   for e, l in zip(earliest[at], latest[at])]
        return [f"season_year {s} does not fit game_date {d:%Y-%m-%d} (a game on that date belongs to {fit})"
                for s, d, fit in zip(season[at], date[at], seasons)]

    nba_id = game_id.str.fullmatch(NBA_COM_GAME_ID)
    id_season = pd.to_numeric(game_id.str.slice(3, 5).where(nba_id), errors="coerce")
    off_id = nba_id & (id_season != season % 100) & ~off_date.fillna(False).astype(bool)
    return pd.concat([
        messages(off_date, date_text),
        messages(off_id, lambda at: "season_year " + season[at].astype(str) + " does not fit NBA.com game_id "
                  + game_id[at] + " (season digits '" + game_id[at].str.slice(3, 5) + "')")])


# --- box scores (nbac_gamebook_player_stats, nbac_team_boxscore) -----------------------------------------------------


def made_exceeds_attempted(pairs: tuple[tuple[str, str], ...]) -> Callable[[pd.DataFrame], pd.Series]:
    def find(rows: pd.DataFrame) -> pd.Series:
        found = [messages(rows[made] > rows[attempted],
                           lambda at, made=made, attempted=attempted: made + " " + numbers_text(rows.loc[at, made])
                           + f" exceeds {attempted} " + numbers_text(rows.loc[at, attempted]))
                 for made, attempted in pairs]
        return pd.concat(found)
    return find


def points_from_shots(points: str, made: str, threes: str, free_throws: str) -> Callable[[pd.DataFrame], pd.Series]:
    """points = 2·FGM + 3PM + FTM, field goals made counting the threes (2·2PM + 3·3PM + FTM)."""
    def find(rows: pd.DataFrame) -> pd.Series:
        scored = 2 * rows[made] + rows[threes] + rows[free_throws]

        def text(at):
            bad = rows.loc[at]
            return ("points " + numbers_text(bad[points]) + " differ from the made shots: 2·FGM + 3PM + FTM = 2·"
                    + numbers_text(bad[made]) + " + " + numbers_text(bad[threes]) + " + " + numbers_text(bad[free_throws])
                    + " = " + numbers_text(scored[at]))
        return messages(scored != rows[points], text)
    return find


GAMEBOOK_SHOT_PAIRS = (("field_goals_made", "field_goals_attempted"), ("three_pointers_made", "three_pointers_attempted"),
                       ("free_throws_made", "free_throws_attempted"), ("three_pointers_made", "field_goals_made"),
                       ("three_pointers_attempted", "field_goals_attempted"))
TEAM_SHOT_PAIRS = (("fg_made", "fg_attempted"), ("three_pt_made", "three_pt_attempted"), ("ft_made", "ft_attempted"),
                   ("three_pt_made", "fg_made"), ("three_pt_attempted", "fg_attempted"))
GAMEBOOK_COUNTS = ("points", "field_goals_made", "field_goals_attempted", "three_pointers_made",
                   "three_pointers_attempted", "free_throws_made", "free_throws_attempted", "offensive_rebounds",
                   "defensive_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls")


def game_length(team_minutes: float) -> int:
    """The length of a game in minutes (48, 53, 58, ...) whose team played `team_minutes` player-minutes."""
    overtimes = math.ceil(max(0.0, team_minutes / 5 - REGULATION_MINUTES - MINUTES_ROUNDING) / OVERTIME_MINUTES)
    return REGULATION_MINUTES + OVERTIME_MINUTES * overtimes


def minutes_beyond_game(rows: pd.DataFrame) -> pd.Series:
    """A player cannot play longer than the game. The game's length is read from the smaller of its two teams'
    player-minutes (a team plays five at a time), so one wrong row cannot lengthen its own game."""
    played = rows[rows["minutes"].notna()]
    if played.empty:
        return pd.Series(dtype=object)
    team_minutes = played.groupby(["game_id", "team_abbr"])["minutes"].sum()
    length = team_minutes.groupby(level="game_id").min().map(game_length)
    limit = rows["game_id"].map(length)
    return messages(rows["minutes"].notna() & (rows["minutes"] > limit + MINUTES_ROUNDING),
                     lambda at: numbers_text(rows.loc[at, "minutes"]) + " minutes: longer than the game lasted ("
                     + numbers_text(limit[at]) + " minutes with " + ((limit[at] - REGULATION_MINUTES) // OVERTIME_MINUTES)
                     .astype(int).astype(str) + " overtime(s), read from the teams' player-minutes)")


def active_without_minutes(rows: pd.DataFrame) -> pd.Series:
    return messages((rows["player_status"] == "active") & rows["minutes"].isna(), "active player without minutes")


def active_without_counts(rows: pd.DataFrame) -> pd.Series:
    nulls = rows[list(GAMEBOOK_COUNTS)].isna()
    return messages((rows["player_status"] == "active") & nulls.any(axis=1),
                     lambda at: ["active player with NULL box-score counts (" + ", ".join(row.index[row]) + ")"
                                 for _, row in nulls.loc[at].iterrows()])


def team_minutes_not_a_game(rows: pd.DataFrame) -> pd.Series:
    overtimes = ((rows["minutes"] - 5 * REGULATION_MINUTES) / (5 * OVERTIME_MINUTES)).round().clip(0, MAX_OVERTIMES)
    nearest = 5 * REGULATION_MINUTES + 5 * OVERTIME_MINUTES * overtimes
    return messages((rows["minutes"] - nearest).abs() > TEAM_MINUTES_TOLERANCE,
                     lambda at: numbers_text(rows.loc[at, "minutes"]) + " team minutes are not a game's length in "
                     f"player-minutes (240 in regulation + 25 per overtime, within {TEAM_MINUTES_TOLERANCE}; at most "
                     f"{MAX_OVERTIMES} overtimes)")


# --- lines ------------------------------------------------------------------------------------------------------


def outcome_not_of_market(rows: pd.DataFrame) -> pd.Series:
    spreads, totals = rows["market_key"] == "spreads", rows["market_key"] == "totals"
    not_team = spreads & ~rows["outcome_name"].astype(str).str.fullmatch(TEAM_CODE_PATTERN)
    not_side = totals & ~rows["outcome_name"].isin(("Over", "Under"))
    return pd.concat([messages(not_team, "a spreads outcome must be a team code"),
                      messages(not_side, "a totals outcome must be Over or Under")])


# --- rules against the schedule ---------------------------------------------------------------------------------


def _game_not_scheduled(rows: pd.DataFrame, games: pd.DataFrame, refused: set) -> pd.Series:
    absent = ~rows["game_id"].isin(games.index)
    refused_rows = absent & rows["game_id"].isin(refused)
    return pd.concat([
        messages(absent & ~refused_rows,
                  lambda at: "game not in nbac_schedule on " + rows.loc[at, "game_date"].dt.strftime("%Y-%m-%d")),
        messages(refused_rows, "its game's nbac_schedule row was refused (see that problem)")])


def _date_differs(rows: pd.DataFrame, games: pd.DataFrame, refused: set) -> pd.Series:
    scheduled = rows["game_id"].map(games["game_date"])
    return messages(scheduled.notna() & (scheduled != rows["game_date"]),
                     lambda at: "nbac_schedule has this game on " + scheduled[at].dt.strftime("%Y-%m-%d"))


def _team_not_in_game(team_column: str):
    def find(rows: pd.DataFrame, games: pd.DataFrame, refused: set) -> pd.Series:
        home = rows["game_id"].map(games["home_team_tricode"])
        away = rows["game_id"].map(games["away_team_tricode"])
        outside = home.notna() & (rows[team_column] != home) & (rows[team_column] != away)
        return messages(outside, lambda at: "team " + rows.loc[at, team_column].astype(str)
                         + " is not one of the game's two teams (" + home[at].astype(str) + " v " + away[at].astype(str) + ")")
    return find


def _game_not_final(rows: pd.DataFrame, games: pd.DataFrame, refused: set) -> pd.Series:
    competitive = games.index[~is_exhibition(games.reset_index()).to_numpy()]
    status = rows["game_id"].map(games["game_status"])
    return messages(rows["game_id"].isin(competitive) & status.notna() & (status != FINAL),
                     lambda at: "box score for a game that is not Final in the schedule (game_status "
                     + numbers_text(status[at]) + ")")


GAME_SCHEDULED = ScheduleRule("game_scheduled", "game_id", "its game is on nbac_schedule on the row's date",
                              _game_not_scheduled)
SAME_DATE = ScheduleRule("same_date", "game_date", "its date is the schedule's date for the game", _date_differs)
TEAM_IN_GAME = ScheduleRule("team_in_game", "team_abbr", "its team is one of the game's two teams",
                            _team_not_in_game("team_abbr"))
GAME_FINAL = ScheduleRule("game_final", "game_id", "its game is Final in the schedule (exhibitions exempt)",
                          _game_not_final)
BOX_SCORE_SCHEDULE_RULES = (GAME_SCHEDULED, SAME_DATE, TEAM_IN_GAME, GAME_FINAL)
