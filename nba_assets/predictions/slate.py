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

import numpy as np
import pandas as pd

from nba_assets.calendar import scheduled_games
from nba_assets.lines import pregame_snapshots, tipoff_cutoffs
from nba_assets.partitions import TIMEZONE
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, UPCOMING_PLAYER_GAME_CONTEXT
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


@dataclasses.dataclass(frozen=True)
class SlateInputs:
    """The warehouse and raw rows of the days a slate is made for."""

    ledger: pd.DataFrame
    predictions: pd.DataFrame
    player_context: pd.DataFrame
    features: pd.DataFrame
    accuracy: pd.DataFrame
    players: pd.DataFrame
    props: pd.DataFrame
    schedule: pd.DataFrame

    def day(self, day: pd.Timestamp) -> "SlateInputs":
        def on(frame: pd.DataFrame, column: str) -> pd.DataFrame:
            return frame[pd.to_datetime(frame[column]) == day]
        return SlateInputs(on(self.ledger, "game_date"), on(self.predictions, "game_date"),
                           on(self.player_context, "game_date"), on(self.features, "game_date"),
                           on(self.accuracy, "game_date"), on(self.players, "game_date"), on(self.props, "game_date"),
                           on(self.schedule, "game_date"))

    def by_day(self, days: list[pd.Timestamp]) -> dict[pd.Timestamp, "SlateInputs"]:
        """Each day's rows, from one pass over each frame: a range's slates calling day() per day rescan the range."""
        split = {}
        for field in dataclasses.fields(self):
            frame = getattr(self, field.name)
            groups = dict(iter(frame.groupby(pd.to_datetime(frame["game_date"]), sort=False)))
            split[field.name] = {day: groups.get(day, frame.iloc[0:0]) for day in days}
        return {day: SlateInputs(**{name: split[name][day] for name in split}) for day in days}


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
        players=warehouse.read_table(PLAYER_GAME_SUMMARY, start, end, columns=["game_date", "game_id"]),
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


def _matchups(schedule: pd.DataFrame) -> dict[str, str]:
    return {row.game_id: f"{row.away_team_tricode} @ {row.home_team_tricode}" for row in schedule.itertuples()}


def build_slate(inputs: SlateInputs, day: dt.date, system: str = SLATE_SYSTEM, min_edge: float | None = None) -> dict:
    """The slate of `day` for `system` as a JSON-ready dict (the shape `nba-assets picks --json` prints)."""
    stamp = pd.Timestamp(day)
    rows = inputs.day(stamp)
    games = scheduled_games(rows.schedule) if len(rows.schedule) else pd.DataFrame(columns=["game_id", "tipoff_utc"])
    record_picks = picks_of_record(rows.ledger, rows.predictions)
    picks = _picks(rows, games, record_picks, system)
    shown = picks if min_edge is None else picks[picks["edge"] >= min_edge]
    published = rows.ledger.drop_duplicates("publication_id")
    return {
        "date": stamp.strftime("%Y-%m-%d"),
        "system": system,
        "games": int(len(games)),
        "source": {
            "live_publications": int(len(published)),
            "first_published_at": _iso(_utc(published["published_at"]).min()) if len(published) else None,
            "last_published_at": _iso(_utc(published["published_at"]).max()) if len(published) else None,
            "live_games": int(record_picks.loc[record_picks["pick_source"] == LIVE, "game_id"].nunique()),
            "reconstructed_games": int(record_picks.loc[record_picks["pick_source"] == RECONSTRUCTION, "game_id"].nunique()),
        },
        "min_edge": min_edge,
        "picks": [_pick_json(pick) for pick in shown.itertuples()],
        "left_out": {
            "below_min_edge": int(len(picks) - len(shown)),
            "snapshots_after_tipoff": _late_snapshots(rows.props, games, _matchups(rows.schedule)),
            "unrostered": _unrostered(rows),
            "held_back": _held_back(rows, record_picks, system),
            "postponed": [{"game_id": row.game_id, "matchup": f"{row.away_team_tricode} @ {row.home_team_tricode}"}
                          for row in rows.schedule[rows.schedule["is_postponed"].fillna(False).astype(bool)].itertuples()],
        },
        "record": _record(picks),
    }


def _picks(rows: SlateInputs, games: pd.DataFrame, record_picks: pd.DataFrame, system: str) -> pd.DataFrame:
    """The system's picks of record on real prop lines, with names, tip-off, prices, flags, edge and result."""
    picks = record_picks[(record_picks["system_id"] == system) & (record_picks["line_source"] == ACTUAL_PROP)]
    context = rows.player_context.drop(columns=["game_id", "team_abbr", "has_prop_line", "injury_status"])
    picks = picks.merge(context, on=["game_date", "player_lookup"], how="left", suffixes=("", "__context"))
    picks["line_snapshot_timestamp"] = _utc(picks["line_snapshot_timestamp"]).fillna(_utc(picks["line_snapshot_timestamp__context"]))
    picks = picks.merge(games[["game_id", "tipoff_utc"]], on="game_id", how="left", suffixes=("", "__schedule"))
    picks["tipoff_utc"] = _utc(picks["tipoff_utc"]).fillna(_utc(picks["tipoff_utc__schedule"]))
    picks = picks.merge(rows.features[["game_date", "player_lookup", "window_complete", "missing_required_features"]],
                        on=["game_date", "player_lookup"], how="left", suffixes=("", "__features"))
    picks["window_complete"] = picks["window_complete"].fillna(picks["window_complete__features"])
    prices = rows.props.assign(snapshot_timestamp=_utc(rows.props["snapshot_timestamp"]))[
        ["player_lookup", "bookmaker", "snapshot_timestamp", "over_price", "under_price"]].drop_duplicates(
        ["player_lookup", "bookmaker", "snapshot_timestamp"])
    picks = picks.merge(prices.rename(columns={"bookmaker": "line_bookmaker", "snapshot_timestamp": "line_snapshot_timestamp"}),
                        on=["player_lookup", "line_bookmaker", "line_snapshot_timestamp"], how="left", suffixes=("", "__props"))
    for side in ("over_price", "under_price"):  # the pick states its prices; older picks have them from the snapshot
        picks[side] = picks[side].fillna(picks[f"{side}__props"])
    picks = picks.merge(rows.accuracy.drop(columns="game_date"), on="prediction_id", how="left")
    picks["edge"] = (picks["predicted_points"] - picks["line_value"]).abs().round(1)
    picks["flags"] = [_flags(pick) for pick in picks.itertuples()]
    return picks.sort_values(["edge", "tipoff_utc", "player_lookup"], ascending=[False, True, True], na_position="last")


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
        "tipoff_utc": _iso(pick.tipoff_utc),
        "tipoff_et": _eastern(pick.tipoff_utc),
        "bookmaker": pick.line_bookmaker,
        "line": _number(pick.line_value),
        "over_price": _integer(pick.over_price),
        "under_price": _integer(pick.under_price),
        "line_snapshot_at": _iso(pick.line_snapshot_timestamp),
        "predicted_points": _number(pick.predicted_points),
        "edge": _number(pick.edge),
        "recommendation": pick.recommendation,
        "confidence": _number(pick.confidence_score),
        "flags": pick.flags,
        "pick_source": pick.pick_source,
        "published_at": _iso(_utc(pd.Series([pick.published_at])).iloc[0]) if not pd.isna(pick.published_at) else None,
        "model_id": None if pd.isna(pick.model_id) else pick.model_id,
        "result": None if not graded else {
            "actual_points": _integer(pick.actual_points),
            "outcome": None if pd.isna(pick.bet_outcome) else pick.bet_outcome,
            "result": pick.result,
        },
    }


def _late_snapshots(props: pd.DataFrame, games: pd.DataFrame, matchups: dict[str, str]) -> list[dict]:
    """Prop snapshots dropped because they were taken at or after tip-off (the schedule's, or 12:00 US Eastern)."""
    if props.empty or games.empty:
        return []
    props = props.reset_index(drop=True)
    late = props.drop(index=pregame_snapshots(props, tipoff_cutoffs(games)).index)
    tipoff_source = dict(zip(games["game_id"], games["tipoff_source"]))
    out = []
    for game_id, snapshots in late.groupby(late["game_id"].fillna(""), sort=True):
        out.append({"game_id": game_id or None, "matchup": matchups.get(game_id), "snapshots": int(len(snapshots)),
                    "players": int(snapshots["player_lookup"].nunique()),
                    "tipoff": "12:00 US Eastern (assumed)" if tipoff_source.get(game_id) == "assumed_noon_et" else "scheduled"})
    return out


def _unrostered(rows: SlateInputs) -> list[dict]:
    """Players with a pre-game line who are on no knowable pre-game roster of a team playing."""
    if rows.props.empty or rows.schedule.empty:
        return []
    unknown = unrostered_prop_players(rows.props, rows.schedule, rows.player_context, None, pd.Timedelta(0))
    return [{"player_lookup": row.player_lookup, "bookmaker": row.line_bookmaker, "line": _number(row.current_points_line)}
            for row in unknown.sort_values("player_lookup").itertuples()]


def _held_back(rows: SlateInputs, record_picks: pd.DataFrame, system: str) -> list[dict]:
    """Lined players on a pre-game roster without a pick of record: ruled out (or doubtful) before tip-off, or
    withdrawn from the board."""
    lined = rows.player_context[rows.player_context["has_prop_line"].astype(bool)]
    picked = set(record_picks.loc[record_picks["system_id"] == system, "player_lookup"])
    withdrawn = board(rows.ledger)
    withdrawn = withdrawn[(withdrawn["change"] == WITHDRAWN) & (withdrawn["system_id"] == system)]
    withdrawn_at = dict(zip(withdrawn["player_lookup"], _utc(withdrawn["published_at"])))
    out = []
    for row in lined[~lined["player_lookup"].isin(picked)].sort_values("player_lookup").itertuples():
        reason = f"injury report: {row.injury_status}" if row.injury_status in ("out", "doubtful") else "no prediction"
        if row.player_lookup in withdrawn_at:
            reason += f"; withdrawn at {_eastern(withdrawn_at[row.player_lookup])} ET"
        out.append({"player_lookup": row.player_lookup,
                    "player": row.player_full_name if not pd.isna(row.player_full_name) else row.player_lookup,
                    "team": row.team_abbr, "reason": reason})
    return out


def _record(picks: pd.DataFrame) -> dict:
    bets = picks[picks["recommendation"].isin([OVER, UNDER])]
    graded = bets[bets["is_graded_bet"].fillna(False).astype(bool)]
    wins, losses = int((graded["result"] == "correct").sum()), int((graded["result"] == "incorrect").sum())
    return {"bets": int(len(bets)), "wins": wins, "losses": losses, "pushes": int((graded["result"] == "push").sum()),
            "voids": int(bets["is_voided"].fillna(False).astype(bool).sum()),
            "pending": int(bets["result"].isna().sum()),
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
