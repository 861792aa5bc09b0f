"""The day's slate for people: `nba-assets picks` and the Markdown on the day's pick_slate partition in the UI.

For one system, each player with a real prop line and a pick of record (the pick's last live publication before
its game's tip-off, or for a game never published live the as-of reconstruction; predictions.publications),
sorted by edge: team, opponent, tip-off, the line snapshot's bookmaker, line and prices, predicted points, edge,
recommendation, confidence, flags (injury status, incomplete window, missing features), and once the game is Final
the result. Then what was left out and why (line snapshots taken after tip-off, lined players without a knowable
pre-game roster, lined players held back, postponed games) and the day's graded record.

Edge: how far the prediction is from the line, in points (|predicted − line|); the recommendation says which side.
The slate reads the warehouse and the raw source through their resources, so it works on DuckDB and BigQuery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from nba_assets.calendar import scheduled_games
from nba_assets.lines import pregame_snapshots, tipoff_cutoffs
from nba_assets.partitions import TIMEZONE
from nba_assets.phase3.tables import UPCOMING_PLAYER_GAME_CONTEXT
from nba_assets.phase3.upcoming import unrostered_prop_players
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions.publications import LIVE, RECONSTRUCTION, board, picks_of_record
from nba_assets.predictions.tables import (
    ACTUAL_PROP,
    OVER,
    PICK_PUBLICATIONS,
    PLAYER_PROP_PREDICTIONS,
    PREDICTION_ACCURACY,
    SLATE_SYSTEM,
    UNDER,
    WITHDRAWN,
)

SHOWN_INJURY_STATUSES = ("probable", "questionable", "doubtful", "out")
# the picks' columns a slate shows (the per-pick loops go over these only)
FLAG_FIELDS = ["injury_status_at_prediction", "window_complete", "missing_required_features", "predicted_points"]
PICK_FIELDS = ["player_lookup", "player_full_name", "team_abbr", "opponent_team_abbr", "game_id", "tipoff_iso", "tipoff_et",
               "line_bookmaker", "line_value", "over_price", "under_price", "line_snapshot_iso", "predicted_points", "edge",
               "recommendation", "confidence_score", "flags", "pick_source", "published_iso", "model_id", "actual_points",
               "bet_outcome", "result"]


@dataclasses.dataclass(frozen=True)
class SlateInputs:
    """The warehouse and raw rows of the days a slate is made for."""

    ledger: pd.DataFrame
    predictions: pd.DataFrame
    player_context: pd.DataFrame
    features: pd.DataFrame
    accuracy: pd.DataFrame
    props: pd.DataFrame
    schedule: pd.DataFrame

    def of_days(self, days: pd.DatetimeIndex) -> "SlateInputs":
        """The rows dated on one of `days`, game_date as datetime64[ns] in every frame (the frames join on it)."""
        def on(frame: pd.DataFrame) -> pd.DataFrame:
            dates = pd.to_datetime(frame["game_date"]).astype("datetime64[ns]")
            keep = dates.isin(days).to_numpy()
            return frame[keep].assign(game_date=dates[keep])
        return SlateInputs(**{field.name: on(getattr(self, field.name)) for field in dataclasses.fields(self)})


def load_slate_inputs(warehouse, raw, start: dt.date, end: dt.date) -> SlateInputs:
    """Rows dated start <= date < end, through the warehouse resource and the raw source resource."""
    return SlateInputs(
        ledger=warehouse.read_table(PICK_PUBLICATIONS, start, end),
        predictions=warehouse.read_table(PLAYER_PROP_PREDICTIONS, start, end),
        player_context=warehouse.read_table(UPCOMING_PLAYER_GAME_CONTEXT, start, end, columns=[
            "game_date", "player_lookup", "player_full_name", "game_id", "team_abbr", "has_prop_line", "injury_status",
            "line_snapshot_timestamp"]),
        features=warehouse.read_table(ML_FEATURE_STORE, start, end, columns=[
            "game_date", "player_lookup", "is_prediction_candidate", "window_complete", "missing_required_features"]),
        accuracy=warehouse.read_table(PREDICTION_ACCURACY, start, end, columns=[
            "game_date", "prediction_id", "actual_points", "bet_outcome", "result", "is_graded_bet", "is_voided"]),
        props=raw.read("odds_api_player_points_props", start, end),
        schedule=raw.read("nbac_schedule", start, end),
    )


def _utc(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values)
    return stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")


def _eastern(moment) -> str | None:
    return None if pd.isna(moment) else pd.Timestamp(moment).tz_convert(TIMEZONE).strftime("%H:%M")


def _iso(moment) -> str | None:
    return None if pd.isna(moment) else pd.Timestamp(moment).tz_convert("UTC").isoformat()


def _number(value, digits: int = 1):
    return None if pd.isna(value) else round(float(value), digits)


def _integer(value):
    return None if pd.isna(value) else int(value)


def _matchup(game) -> str:
    return f"{game.away_team_tricode} @ {game.home_team_tricode}"


def build_slate(inputs: SlateInputs, day: dt.date, system: str = SLATE_SYSTEM, min_edge: float | None = None) -> dict:
    """The slate of `day` for `system` as a JSON-ready dict (the shape `nba-assets picks --json` prints)."""
    return build_slates(inputs, [day], system, min_edge)[day]


def build_slates(inputs: SlateInputs, days: list[dt.date], system: str = SLATE_SYSTEM,
                 min_edge: float | None = None) -> dict[dt.date, dict]:
    """The slate of each of `days` (build_slate's dict), from the rows of those days: every join, selection and
    count is made once over the range, keyed on game_date, and split by day only to build each day's dict, so a
    day's slate is the same whichever range it is made in."""
    stamps = pd.DatetimeIndex([pd.Timestamp(day) for day in days]).astype("datetime64[ns]")
    rows = inputs.of_days(stamps)
    games = scheduled_games(rows.schedule)
    record_picks = picks_of_record(rows.ledger, rows.predictions)
    picks = _picks(rows, games, record_picks, system)
    shown = picks if min_edge is None else picks[picks["edge"] >= min_edge]
    shown = shown.assign(tipoff_iso=_once_per_moment(shown["tipoff_utc"], _iso),
                         tipoff_et=_once_per_moment(shown["tipoff_utc"], _eastern),
                         line_snapshot_iso=_once_per_moment(shown["line_snapshot_timestamp"], _iso),
                         published_iso=_once_per_moment(shown["published_at"], _iso))
    shown_json = _by_day(shown["game_date"], [_pick_json(pick) for pick in shown[PICK_FIELDS].itertuples(index=False)])
    published = rows.ledger.drop_duplicates(["game_date", "publication_id"])
    published_at = _utc(published["published_at"]).groupby(published["game_date"].to_numpy()).agg(["size", "min", "max"])
    pick_games = record_picks.groupby(["game_date", "pick_source"])["game_id"].nunique()
    games_per_day = games.groupby("game_date").size()
    picks_per_day, shown_per_day = picks.groupby("game_date").size(), shown.groupby("game_date").size()
    late = _late_snapshots(rows.props, games, rows.schedule)
    unrostered = _unrostered(rows)
    held_back = _held_back(rows, record_picks, system)
    postponed = rows.schedule[rows.schedule["is_postponed"].fillna(False).astype(bool)]
    postponed = _by_day(postponed["game_date"],
                        [{"game_id": row.game_id, "matchup": _matchup(row)} for row in postponed.itertuples()])
    records = _records(picks)
    slates = {}
    for day, stamp in zip(days, stamps):
        live = stamp in published_at.index
        slates[day] = {
            "date": stamp.strftime("%Y-%m-%d"),
            "system": system,
            "games": int(games_per_day.get(stamp, 0)),
            "source": {
                "live_publications": int(published_at.at[stamp, "size"]) if live else 0,
                "first_published_at": _iso(published_at.at[stamp, "min"]) if live else None,
                "last_published_at": _iso(published_at.at[stamp, "max"]) if live else None,
                "live_games": int(pick_games.get((stamp, LIVE), 0)),
                "reconstructed_games": int(pick_games.get((stamp, RECONSTRUCTION), 0)),
            },
            "min_edge": min_edge,
            "picks": shown_json.get(stamp, []),
            "left_out": {
                "below_min_edge": int(picks_per_day.get(stamp, 0) - shown_per_day.get(stamp, 0)),
                "snapshots_after_tipoff": late.get(stamp, []),
                "unrostered": unrostered.get(stamp, []),
                "held_back": held_back.get(stamp, []),
                "postponed": postponed.get(stamp, []),
            },
            "record": records.get(stamp, _record(0, 0, 0, 0, 0, 0)),
        }
    return slates


def _once_per_moment(moments: pd.Series, text) -> list:
    """text(moment) of each row, computed once per distinct moment (None without one)."""
    codes, distinct = pd.factorize(moments)
    texts = [text(moment) for moment in distinct]
    return [texts[code] if code >= 0 else None for code in codes]


def _by_day(dates: pd.Series, items: list) -> dict[pd.Timestamp, list]:
    """The items (one per row of a frame ordered within each day) in lists by the rows' game_date."""
    out = {}
    for date, item in zip(dates, items):
        out.setdefault(date, []).append(item)
    return out


def _picks(rows: SlateInputs, games: pd.DataFrame, record_picks: pd.DataFrame, system: str) -> pd.DataFrame:
    """The system's picks of record on real prop lines, with names, tip-off, prices, flags, edge and result; each
    day's picks sorted by edge."""
    picks = record_picks[(record_picks["system_id"] == system) & (record_picks["line_source"] == ACTUAL_PROP)]
    context = rows.player_context.drop(columns=["game_id", "team_abbr", "has_prop_line", "injury_status"])
    picks = picks.merge(context, on=["game_date", "player_lookup"], how="left", suffixes=("", "__context"))
    picks["line_snapshot_timestamp"] = _utc(picks["line_snapshot_timestamp"]).fillna(_utc(picks["line_snapshot_timestamp__context"]))
    picks = picks.merge(games[["game_date", "game_id", "tipoff_utc"]], on=["game_date", "game_id"], how="left",
                        suffixes=("", "__schedule"))
    picks["tipoff_utc"] = _utc(picks["tipoff_utc"]).fillna(_utc(picks["tipoff_utc__schedule"]))
    picks["published_at"] = _utc(picks["published_at"])
    picks = picks.merge(rows.features[["game_date", "player_lookup", "window_complete", "missing_required_features"]],
                        on=["game_date", "player_lookup"], how="left", suffixes=("", "__features"))
    picks["window_complete"] = picks["window_complete"].fillna(picks["window_complete__features"])
    snapshot = ["game_date", "player_lookup", "bookmaker", "snapshot_timestamp"]
    prices = rows.props.assign(snapshot_timestamp=_utc(rows.props["snapshot_timestamp"]))[
        snapshot + ["over_price", "under_price"]].drop_duplicates(snapshot)
    picks = picks.merge(prices.rename(columns={"bookmaker": "line_bookmaker", "snapshot_timestamp": "line_snapshot_timestamp"}),
                        on=["game_date", "player_lookup", "line_bookmaker", "line_snapshot_timestamp"], how="left",
                        suffixes=("", "__props"))
    for side in ("over_price", "under_price"):  # the pick states its prices; older picks have them from the snapshot
        picks[side] = picks[side].fillna(picks[f"{side}__props"])
    picks = picks.merge(rows.accuracy, on=["game_date", "prediction_id"], how="left")
    picks["edge"] = (picks["predicted_points"] - picks["line_value"]).abs().round(1)
    picks["flags"] = [_flags(pick) for pick in picks[FLAG_FIELDS].itertuples(index=False)]
    return picks.sort_values(["game_date", "edge", "tipoff_utc", "player_lookup"], ascending=[True, False, True, True],
                             na_position="last")


def _flags(pick) -> list[str]:
    flags = []
    if pick.injury_status_at_prediction in SHOWN_INJURY_STATUSES:
        flags.append(str(pick.injury_status_at_prediction))
    if pick.window_complete is False or (not pd.isna(pick.window_complete) and not bool(pick.window_complete)):
        flags.append("incomplete window")
    if not pd.isna(pick.missing_required_features):
        flags.append(f"missing {pick.missing_required_features}")
    if pd.isna(pick.predicted_points):
        flags.append("no prediction")
    return flags


def _pick_json(pick) -> dict:
    graded = not pd.isna(pick.result)
    return {
        "player_lookup": pick.player_lookup,
        "player": pick.player_full_name if not pd.isna(pick.player_full_name) else pick.player_lookup,
        "team": pick.team_abbr,
        "opponent": pick.opponent_team_abbr,
        "game_id": pick.game_id,
        "tipoff_utc": pick.tipoff_iso,
        "tipoff_et": pick.tipoff_et,
        "bookmaker": pick.line_bookmaker,
        "line": _number(pick.line_value),
        "over_price": _integer(pick.over_price),
        "under_price": _integer(pick.under_price),
        "line_snapshot_at": pick.line_snapshot_iso,
        "predicted_points": _number(pick.predicted_points),
        "edge": _number(pick.edge),
        "recommendation": pick.recommendation,
        "confidence": _number(pick.confidence_score),
        "flags": pick.flags,
        "pick_source": pick.pick_source,
        "published_at": pick.published_iso,
        "model_id": None if pd.isna(pick.model_id) else pick.model_id,
        "result": None if not graded else {
            "actual_points": _integer(pick.actual_points),
            "outcome": None if pd.isna(pick.bet_outcome) else pick.bet_outcome,
            "result": pick.result,
        },
    }


def _late_snapshots(props: pd.DataFrame, games: pd.DataFrame, schedule: pd.DataFrame) -> dict[pd.Timestamp, list[dict]]:
    """Per day with games: prop snapshots dropped because they were taken at or after tip-off (the schedule's, or
    12:00 US Eastern), by game."""
    props = props[props["game_date"].isin(games["game_date"]).to_numpy()].reset_index(drop=True)
    late = props.drop(index=pregame_snapshots(props, tipoff_cutoffs(games)).index)
    late = late.assign(game_id=late["game_id"].fillna(""))
    matchups = {(row.game_date, row.game_id): _matchup(row) for row in schedule.itertuples()}
    tipoff_source = dict(zip(zip(games["game_date"], games["game_id"]), games["tipoff_source"]))
    counts = late.groupby(["game_date", "game_id"], sort=True).agg(snapshots=("player_lookup", "size"),
                                                                     players=("player_lookup", "nunique"))
    return _by_day(counts.index.get_level_values("game_date"), [{
        "game_id": game_id or None, "matchup": matchups.get((day, game_id)), "snapshots": int(snapshots),
        "players": int(players),
        "tipoff": "12:00 US Eastern (assumed)" if tipoff_source.get((day, game_id)) == "assumed_noon_et" else "scheduled"}
        for (day, game_id), snapshots, players in zip(counts.index, counts["snapshots"], counts["players"])])


def _unrostered(rows: SlateInputs) -> dict[pd.Timestamp, list[dict]]:
    """Per day with a schedule: players with a pre-game line who are on no knowable pre-game roster of a team
    playing."""
    props = rows.props[rows.props["game_date"].isin(rows.schedule["game_date"]).to_numpy()]
    unknown = unrostered_prop_players(props, rows.schedule, rows.player_context, None, pd.Timedelta(0))
    unknown = unknown.sort_values(["game_date", "player_lookup"])
    return _by_day(unknown["game_date"], [{"player_lookup": row.player_lookup, "bookmaker": row.line_bookmaker,
                                           "line": _number(row.current_points_line)} for row in unknown.itertuples()])


def _held_back(rows: SlateInputs, record_picks: pd.DataFrame, system: str) -> dict[pd.Timestamp, list[dict]]:
    """Per day: lined players on a pre-game roster without a pick of record: ruled out (or doubtful) before
    tip-off, or withdrawn from the board."""
    day_player = ["game_date", "player_lookup"]
    lined = rows.player_context[rows.player_context["has_prop_line"].astype(bool)]
    picked = pd.MultiIndex.from_frame(record_picks.loc[record_picks["system_id"] == system, day_player])
    lined = lined[~pd.MultiIndex.from_frame(lined[day_player]).isin(picked)].sort_values(day_player)
    withdrawn = board(rows.ledger)
    withdrawn = withdrawn[(withdrawn["change"] == WITHDRAWN) & (withdrawn["system_id"] == system)]
    withdrawn_at = dict(zip(zip(withdrawn["game_date"], withdrawn["player_lookup"]), _utc(withdrawn["published_at"])))
    out = []
    for row in lined.itertuples():
        reason = f"injury report: {row.injury_status}" if row.injury_status in ("out", "doubtful") else "no prediction"
        if (row.game_date, row.player_lookup) in withdrawn_at:
            reason += f"; withdrawn at {_eastern(withdrawn_at[(row.game_date, row.player_lookup)])} ET"
        out.append({"player_lookup": row.player_lookup,
                    "player": row.player_full_name if not pd.isna(row.player_full_name) else row.player_lookup,
                    "team": row.team_abbr, "reason": reason})
    return _by_day(lined["game_date"], out)


def _records(picks: pd.DataFrame) -> dict[pd.Timestamp, dict]:
    """Each day's graded record of the picks' bets."""
    bets = picks[picks["recommendation"].isin([OVER, UNDER]).to_numpy()]
    graded = bets["is_graded_bet"].fillna(False).astype(bool)
    counts = pd.DataFrame({
        "bets": 1,
        "wins": graded & (bets["result"] == "correct").fillna(False),
        "losses": graded & (bets["result"] == "incorrect").fillna(False),
        "pushes": graded & (bets["result"] == "push").fillna(False),
        "voids": bets["is_voided"].fillna(False).astype(bool),
        "pending": bets["result"].isna(),
    }, index=bets.index).astype("int64").groupby(bets["game_date"].to_numpy()).sum()
    return {day: _record(*(int(value) for value in values)) for day, values in zip(counts.index, counts.to_numpy())}


def _record(bets: int, wins: int, losses: int, pushes: int, voids: int, pending: int) -> dict:
    return {"bets": bets, "wins": wins, "losses": losses, "pushes": pushes, "voids": voids, "pending": pending,
            "hit_rate": round(wins / (wins + losses), 4) if wins + losses else None}


COLUMNS = (("player", 22), ("team", 4), ("opp", 4), ("tip", 5), ("book", 11), ("line", 5), ("over", 5), ("under", 5),
           ("pred", 5), ("edge", 5), ("rec", 5), ("conf", 4), ("pub", 6), ("flags", 24), ("result", 14))


def _cells(pick: dict) -> list[str]:
    def price(value):
        return "" if value is None else f"{value:+d}"

    result = pick["result"]
    if result is None:
        outcome = ""
    elif result["result"] == "void":
        outcome = "DNP (void)"
    else:
        mark = {"correct": " W", "incorrect": " L", "push": " P"}.get(result["result"], "")
        outcome = f"{result['actual_points']} {result['outcome'] or ''}{mark}".strip()
    published = pick["published_at"]
    return [pick["player"], pick["team"], pick["opponent"], pick["tipoff_et"] or "", pick["bookmaker"] or "",
            "" if pick["line"] is None else f"{pick['line']:g}", price(pick["over_price"]), price(pick["under_price"]),
            "" if pick["predicted_points"] is None else f"{pick['predicted_points']:.1f}",
            "" if pick["edge"] is None else f"{pick['edge']:.1f}", pick["recommendation"],
            "" if pick["confidence"] is None else f"{pick['confidence']:.0f}",
            _eastern(pd.Timestamp(published)) if published else "as-of", ", ".join(pick["flags"]), outcome]


def _summary(slate: dict) -> list[str]:
    source = slate["source"]
    if source["live_publications"]:
        where = (f"{source['live_publications']} live publication(s), first {_eastern(pd.Timestamp(source['first_published_at']))}"
                 f", last {_eastern(pd.Timestamp(source['last_published_at']))} ET")
    else:
        where = "no live publication"
    if source["reconstructed_games"]:
        where += (f"; {source['reconstructed_games']} game(s) never published live: as-of reconstruction "
                  "(pre-game information as known before tip-off − the reconstruction lead)")
    record = slate["record"]
    rate = f", hit rate {100 * record['hit_rate']:.1f} %" if record["hit_rate"] is not None else ""
    return [f"{slate['date']} · {slate['system']} · {slate['games']} game(s) · {where}",
            f"record: {record['wins']}-{record['losses']}-{record['pushes']} (W-L-P) on {record['bets']} bet(s){rate}; "
            f"{record['voids']} void, {record['pending']} pending"]


def _left_out_lines(slate: dict) -> list[str]:
    left = slate["left_out"]
    lines = []
    if left["below_min_edge"]:
        lines.append(f"{left['below_min_edge']} pick(s) with an edge below {slate['min_edge']:g}")
    for game in left["snapshots_after_tipoff"]:
        lines.append(f"{game['snapshots']} line snapshot(s) of {game['players']} player(s) in {game['matchup'] or game['game_id']} "
                     f"taken at or after tip-off ({game['tipoff']}): not used")
    for player in left["unrostered"]:
        lines.append(f"{player['player_lookup']} ({player['bookmaker']} {player['line']:g}): a line, but on no knowable "
                     "pre-game roster")
    for player in left["held_back"]:
        lines.append(f"{player['player']} ({player['team']}): held back, {player['reason']}")
    for game in left["postponed"]:
        lines.append(f"{game['matchup']} ({game['game_id']}): postponed")
    return lines


def format_slate(slate: dict) -> str:
    """Plain-text table for the terminal."""
    lines = _summary(slate)
    lines.append("  ".join(f"{name:<{width}}" for name, width in COLUMNS).rstrip())
    for pick in slate["picks"]:
        lines.append("  ".join(f"{cell[:width]:<{width}}" for cell, (_, width) in zip(_cells(pick), COLUMNS)).rstrip())
    if not slate["picks"]:
        lines.append("(no picks on real prop lines)")
    left = _left_out_lines(slate)
    if left:
        lines.append("left out:")
        lines.extend(f"  {line}" for line in left)
    return "\n".join(lines)


def slate_markdown(slate: dict) -> str:
    """The same slate as Markdown, for the UI."""
    summary = _summary(slate)
    lines = [f"**{summary[0]}**", "", summary[1], "",
             "| " + " | ".join(name for name, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in _cells(pick)) + " |" for pick in slate["picks"]]
    left = _left_out_lines(slate)
    if left:
        lines += ["", "Left out:", ""] + [f"- {line}" for line in left]
    return "\n".join(lines)
