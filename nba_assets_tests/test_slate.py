"""`nba-assets picks` on a hand-made day: two live publications of the early game, a late game never published live
(its as-of reconstruction counts), a withdrawn pick, a snapshot taken after tip-off, a lined player on no roster and
a postponed game; checked row by row, in the text, JSON and Markdown forms."""

import dataclasses
import json

import duckdb
import pandas as pd
import pytest

from nba_assets import cli
from nba_assets.phase3.tables import PLAYER_GAME_SUMMARY, UPCOMING_PLAYER_GAME_CONTEXT
from nba_assets.phase4.feature_store import ML_FEATURE_STORE
from nba_assets.predictions.slate import SlateInputs, build_slate, build_slates, load_slate_inputs, slate_markdown
from nba_assets.predictions.tables import PICK_PUBLICATIONS, PLAYER_PROP_PREDICTIONS, PREDICTION_ACCURACY
from nba_assets.raw.resource import RawSourceResource
from nba_assets.storage.ledger import DuckDBLedger
from nba_assets.storage.warehouse import DuckDBWarehouse
from nba_assets_tests.builders import game, write_raw
from nba_assets_tests.test_publications import DAY, EARLY, LATE, TIPOFF, pick, picks, publish

POSTPONED = "g_postponed"


def _put(database: str, table, rows: list[dict]) -> None:
    conn = duckdb.connect(database)
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {table.dataset}")
    conn.execute(table.duckdb_ddl())
    conn.register("rows", pd.DataFrame(rows))
    conn.execute(f"INSERT INTO {table.qualified_name} BY NAME SELECT * FROM rows")
    conn.close()


def _snapshot(player, book, line, over, under, when, game_id, minutes_before):
    return {"game_date": DAY.date(), "player_lookup": player, "bookmaker": book, "points_line": line, "over_price": over,
            "under_price": under, "snapshot_timestamp": pd.Timestamp(when, tz="UTC"),
            "minutes_before_tipoff": minutes_before, "game_id": game_id}


@pytest.fixture(scope="module")
def day_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slate")
    database = str(folder / "warehouse.duckdb")
    early = [pick("tatum", EARLY, 29.0, line=27.5), pick("brown", EARLY, 19.5, line=21.5, recommendation="PASS"),
             pick("horford", EARLY, 8.0, line=7.5, recommendation="PASS")]
    first = publish(PICK_PUBLICATIONS.empty(), early, "2025-12-30 22:00", "first run of the day")
    second = publish(first, [pick("tatum", EARLY, 30.5, line=27.5), pick("brown", EARLY, 18.0, line=21.5,
                                                                          recommendation="UNDER")],
                     "2025-12-30 23:40", "injury report changed")  # horford ruled out: withdrawn
    ledger = DuckDBLedger(database=database)
    ledger.append(PICK_PUBLICATIONS, pd.concat([first, second]).assign(line_snapshot_timestamp=lambda f: f["player_lookup"].map(
        {"tatum": pd.Timestamp("2025-12-30 22:00"), "brown": pd.Timestamp("2025-12-30 21:00"),
         "horford": pd.Timestamp("2025-12-30 21:00")})))
    at_golden_state = {"team_abbr": "NYK", "opponent_team_abbr": "GSW"}
    reconstruction = picks([pick("tatum", EARLY, 99.0, line=27.5),
                            {**pick("brunson", LATE, 27.0, line=26.5, recommendation="PASS"), **at_golden_state},
                            {**pick("brunson", LATE, 31.0, line=26.5, system="moving_average_baseline_v1"), **at_golden_state}],
                           None)
    _put(database, PLAYER_PROP_PREDICTIONS, reconstruction[[c for c in reconstruction.columns if c in PLAYER_PROP_PREDICTIONS.column_names]]
         .assign(quality_tier="gold").to_dict("records"))
    names = {"tatum": "Jayson Tatum", "brown": "Jaylen Brown", "horford": "Al Horford", "brunson": "Jalen Brunson"}
    _put(database, UPCOMING_PLAYER_GAME_CONTEXT, [
        {"game_date": DAY, "player_lookup": player, "player_full_name": name, "game_id": LATE if player == "brunson" else EARLY,
         "team_abbr": "NYK" if player == "brunson" else "BOS", "has_prop_line": True,
         "injury_status": "out" if player == "horford" else "available",
         "line_snapshot_timestamp": pd.Timestamp("2025-12-31 02:10") if player == "brunson" else None}
        for player, name in names.items()])
    _put(database, ML_FEATURE_STORE, [
        {"game_date": DAY, "player_lookup": player, "is_prediction_candidate": player != "horford",
         "window_complete": player != "brunson", "missing_required_features": None} for player in names])
    _put(database, PREDICTION_ACCURACY, [
        {"game_date": DAY, "prediction_id": f"2025-12-30_{player}_ensemble_v1", "actual_points": points,
         "bet_outcome": "OVER", "result": result, "is_graded_bet": True, "is_voided": False}
        for player, points, result in (("tatum", 33, "correct"), ("brown", 25, "incorrect"))])
    _put(database, PLAYER_GAME_SUMMARY, [{"game_date": DAY, "game_id": EARLY}])
    schedule = [game(EARLY, "2025-12-30", "BOS", "NYK", home_score=110, away_score=101, tip_utc="2025-12-31 00:00"),
                game(LATE, "2025-12-30", "GSW", "NYK", status=1, tip_utc="2025-12-31 03:00"),
                {**game(POSTPONED, "2025-12-30", "ORL", "MIA", status=1), "is_postponed": True}]
    props = [_snapshot("tatum", "draftkings", 27.5, -115, -105, "2025-12-30 22:00", EARLY, 120.0),
             _snapshot("tatum", "draftkings", 35.5, -110, -110, "2025-12-31 00:20", EARLY, -20.0),  # in-game
             _snapshot("brown", "draftkings", 21.5, 100, -120, "2025-12-30 21:00", EARLY, 180.0),
             _snapshot("horford", "draftkings", 7.5, -110, -110, "2025-12-30 21:00", EARLY, 180.0),
             _snapshot("ghostplayer", "fanduel", 10.5, -110, -110, "2025-12-30 21:00", EARLY, 180.0),
             _snapshot("brunson", "draftkings", 26.5, -110, -110, "2025-12-31 02:10", LATE, 50.0)]
    write_raw(folder / "raw", {"nbac_schedule": schedule, "odds_api_player_points_props": props})
    return folder


def _slate(day_folder, **options) -> dict:
    inputs = load_slate_inputs(DuckDBWarehouse(database=str(day_folder / "warehouse.duckdb")),
                               RawSourceResource(raw_dir=str(day_folder / "raw")), DAY.date(), (DAY + pd.Timedelta(days=1)).date())
    return build_slate(inputs, DAY.date(), **options)


def test_picks_json_sorted_by_edge_with_sources_flags_results_and_what_was_left_out(day_folder, monkeypatch, capsys):
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(day_folder / "warehouse.duckdb"))
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(day_folder / "raw"))
    assert cli.main(["picks", "--date", "2025-12-30", "--json"]) == 0
    slate = json.loads(capsys.readouterr().out)
    assert [(p["player"], p["edge"], p["recommendation"], p["pick_source"]) for p in slate["picks"]] == [
        ("Jaylen Brown", 3.5, "UNDER", "live publication"),   # |18.0 − 21.5|, the 18:40 publication
        ("Jayson Tatum", 3.0, "OVER", "live publication"),    # |30.5 − 27.5|
        ("Jalen Brunson", 0.5, "PASS", "as-of reconstruction")]  # the late game was never published live
    tatum = slate["picks"][1]
    assert tatum == {
        "player_lookup": "tatum", "player": "Jayson Tatum", "team": "BOS", "opponent": "NYK", "game_id": EARLY,
        "tipoff_utc": "2025-12-31T00:00:00+00:00", "tipoff_et": "19:00", "bookmaker": "draftkings", "line": 27.5,
        "over_price": -115, "under_price": -105, "line_snapshot_at": "2025-12-30T22:00:00+00:00",
        "predicted_points": 30.5, "edge": 3.0, "recommendation": "OVER", "confidence": 70.0, "flags": [],
        "pick_source": "live publication", "published_at": "2025-12-30T23:40:00+00:00", "model_id": "xgboost_v1_20251201",
        "result": {"actual_points": 33, "outcome": "OVER", "result": "correct"}}
    brunson = slate["picks"][2]
    assert (brunson["team"], brunson["opponent"], brunson["tipoff_et"]) == ("NYK", "GSW", "22:00")
    assert brunson["flags"] == ["incomplete window"] and brunson["result"] is None and brunson["published_at"] is None
    assert (brunson["over_price"], brunson["line_snapshot_at"]) == (-110, "2025-12-31T02:10:00+00:00")
    assert slate["source"] == {"live_publications": 2, "first_published_at": "2025-12-30T22:00:00+00:00",
                               "last_published_at": "2025-12-30T23:40:00+00:00", "live_games": 1, "reconstructed_games": 1}
    assert slate["left_out"] == {
        "below_min_edge": 0,
        "snapshots_after_tipoff": [{"game_id": EARLY, "matchup": "NYK @ BOS", "snapshots": 1, "players": 1,
                                    "tipoff": "scheduled"}],
        "unrostered": [{"player_lookup": "ghostplayer", "bookmaker": "fanduel", "line": 10.5}],
        "held_back": [{"player_lookup": "horford", "player": "Al Horford", "team": "BOS",
                       "reason": "injury report: out; withdrawn at 18:40 ET"}],
        "postponed": [{"game_id": POSTPONED, "matchup": "MIA @ ORL"}]}
    assert slate["record"] == {"bets": 2, "wins": 1, "losses": 1, "pushes": 0, "voids": 0, "pending": 0, "hit_rate": 0.5}


def test_picks_text_min_edge_and_system(day_folder, monkeypatch, capsys):
    monkeypatch.setenv("NBA_ASSETS_WAREHOUSE", str(day_folder / "warehouse.duckdb"))
    monkeypatch.setenv("NBA_ASSETS_RAW_DIR", str(day_folder / "raw"))
    assert cli.main(["picks", "--date", "2025-12-30", "--min-edge", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("2025-12-30 · ensemble_v1 · 2 game(s) · 2 live publication(s), first 17:00, last 18:40 ET; 1 game(s) "
                        "never published live: as-of reconstruction (pre-game information as known before tip-off − the "
                        "reconstruction lead)")
    assert lines[1] == "record: 1-1-0 (W-L-P) on 2 bet(s), hit rate 50.0 %; 0 void, 0 pending"
    assert lines[3].split() == ["Jaylen", "Brown", "BOS", "NYK", "19:00", "draftkings", "21.5", "+100", "-120", "18.0", "3.5",
                                "UNDER", "70", "18:40", "25", "OVER", "L"]
    assert lines[4].split()[:2] == ["Jayson", "Tatum"] and len(lines) > 5 and "Brunson" not in "\n".join(lines)
    assert "1 pick(s) with an edge below 1" in lines[6]
    other = _slate(day_folder, system="moving_average_baseline_v1")
    assert [(p["player"], p["predicted_points"]) for p in other["picks"]] == [("Jalen Brunson", 31.0)]


def test_the_markdown_slate_is_the_same_table(day_folder):
    markdown = slate_markdown(_slate(day_folder))
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| player | team | opp | tip |")
    assert rows[1] == "| Jaylen Brown | BOS | NYK | 19:00 | draftkings | 21.5 | +100 | -120 | 18.0 | 3.5 | UNDER | 70 | 18:40 |  | 25 OVER L |"
    assert "- Al Horford (BOS): held back, injury report: out; withdrawn at 18:40 ET" in markdown


def _inputs(day_folder, start: pd.Timestamp, end: pd.Timestamp) -> SlateInputs:
    return load_slate_inputs(DuckDBWarehouse(database=str(day_folder / "warehouse.duckdb")),
                             RawSourceResource(raw_dir=str(day_folder / "raw")), start.date(), end.date())


def test_a_ranges_slates_equal_each_days_own(day_folder):
    before, after = DAY - pd.Timedelta(days=1), DAY + pd.Timedelta(days=1)
    slates = build_slates(_inputs(day_folder, before, after + pd.Timedelta(days=1)), [before.date(), DAY.date(), after.date()])
    assert slates[DAY.date()] == _slate(day_folder)
    for quiet in (before, after):
        assert slates[quiet.date()] == {
            "date": f"{quiet:%Y-%m-%d}", "system": "ensemble_v1", "games": 0,
            "source": {"live_publications": 0, "first_published_at": None, "last_published_at": None, "live_games": 0,
                       "reconstructed_games": 0},
            "min_edge": None, "picks": [],
            "left_out": {"below_min_edge": 0, "snapshots_after_tipoff": [], "unrostered": [], "held_back": [], "postponed": []},
            "record": {"bets": 0, "wins": 0, "losses": 0, "pushes": 0, "voids": 0, "pending": 0, "hit_rate": None}}


def _the_day_after(inputs: SlateInputs) -> SlateInputs:
    """The same day's rows one day later, for the same players, bookmakers and snapshot times of day, in new games,
    every prediction 2 points higher."""
    def shifted(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column] + pd.Timedelta(days=1)
        for column in ("prediction_id", "publication_id"):
            if column in frame:
                frame[column] = frame[column].str.replace("2025-12-30", "2025-12-31")
        if "game_id" in frame:
            frame["game_id"] = frame["game_id"] + "_next"
        if "predicted_points" in frame:
            frame["predicted_points"] = frame["predicted_points"] + 2.0
        return frame
    return SlateInputs(**{field.name: shifted(getattr(inputs, field.name)) for field in dataclasses.fields(inputs)})


def test_two_days_in_one_range_keep_their_own_rows(day_folder):
    """The same players, bookmakers, snapshots and publications on two days: every join of the range keys on the
    day, so each day's slate is the one it has alone."""
    day = _inputs(day_folder, DAY, DAY + pd.Timedelta(days=1))
    next_day = _the_day_after(day)
    both = SlateInputs(**{field.name: pd.concat([getattr(day, field.name), getattr(next_day, field.name)], ignore_index=True)
                          for field in dataclasses.fields(day)})
    following = (DAY + pd.Timedelta(days=1)).date()
    for min_edge in (None, 2.0):
        slates = build_slates(both, [DAY.date(), following], min_edge=min_edge)
        assert slates == {DAY.date(): build_slate(day, DAY.date(), min_edge=min_edge),
                          following: build_slate(next_day, following, min_edge=min_edge)}
    assert slates[DAY.date()] == _slate(day_folder, min_edge=2.0)
    assert [(p["player_lookup"], p["edge"], p["tipoff_utc"], p["over_price"], p["published_at"])
            for p in slates[following]["picks"]] == [
        ("tatum", 5.0, "2026-01-01T00:00:00+00:00", -115, "2025-12-31T23:40:00+00:00"),     # |32.5 − 27.5|
        ("brunson", 2.5, "2026-01-01T03:00:00+00:00", -110, None)]                          # |29.0 − 26.5|
    assert slates[following]["left_out"]["below_min_edge"] == 1  # brown, |20.0 − 21.5|
    assert slates[following]["left_out"]["held_back"] == slates[DAY.date()]["left_out"]["held_back"]
    assert slates[following]["source"]["live_publications"] == 2
