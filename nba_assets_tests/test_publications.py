"""Publishing picks and the picks of record, on hand-made rows: what is NEW, CHANGED and WITHDRAWN, the freeze at
tip-off, the last publication before tip-off, and the as-of reconstruction of games never published; the
information cut-off of live runs and reconstructions; the append-only ledger on DuckDB."""

import duckdb
import pandas as pd
import pytest

from nba_assets.pregame import information_cutoffs
from nba_assets.predictions.publications import LIVE, RECONSTRUCTION, picks_of_record, publication_rows
from nba_assets.predictions.tables import CHANGED, NEW, PICK_COLUMNS, PICK_PUBLICATIONS, PLAYER_PROP_PREDICTIONS, WITHDRAWN
from nba_assets.storage.ledger import DuckDBLedger
from nba_assets.storage.schema import SchemaDriftError
from nba_assets_tests.backends import bigquery_backend, bigquery_settings, duckdb_backend  # noqa: F401 (fixtures)

DAY = pd.Timestamp("2025-12-30")
EARLY, LATE = "g_early", "g_late"  # tip-offs 19:00 and 22:00 US Eastern
TIPOFF = {EARLY: pd.Timestamp("2025-12-31 00:00", tz="UTC"), LATE: pd.Timestamp("2025-12-31 03:00", tz="UTC")}
LEAD = pd.Timedelta(minutes=60)


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def pick(player: str, game: str, predicted: float, line: float = 20.5, recommendation: str = "OVER",
         injury: str = "available", system: str = "ensemble_v1") -> dict:
    row = {column: None for column in PICK_COLUMNS}
    row.update(prediction_id=f"2025-12-30_{player}_{system}", game_date=DAY, system_id=system, player_lookup=player,
               game_id=game, team_abbr="BOS", opponent_team_abbr="NYK", season_year=2025, predicted_points=predicted,
               confidence_score=70.0, recommendation=recommendation, line_value=line, line_source="ACTUAL_PROP",
               line_bookmaker="draftkings", has_prop_line=True, line_margin=round(predicted - line, 2),
               model_id="xgboost_v1_20251201", feature_quality_score=90.0, is_quality_ready=True,
               injury_status_at_prediction=injury)
    return row


def picks(rows: list[dict], as_of: pd.Timestamp) -> pd.DataFrame:
    """What day_picks makes of a live run's predictions at `as_of`."""
    frame = PLAYER_PROP_PREDICTIONS.empty()[list(PICK_COLUMNS)]
    frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    frame = frame.astype({c: PLAYER_PROP_PREDICTIONS.empty()[c].dtype for c in PICK_COLUMNS})
    frame["tipoff_utc"] = frame["game_id"].map(TIPOFF)
    frame["line_snapshot_timestamp"] = utc("2025-12-30 15:00")
    frame["feature_version"] = "v3"
    frame["window_complete"] = True
    frame["information_as_of"] = information_cutoffs(frame["tipoff_utc"], as_of, LEAD)
    return frame


def publish(ledger: pd.DataFrame, rows: list[dict], at: str, trigger: str = "lines changed") -> pd.DataFrame:
    moment = utc(at)
    return publication_rows(picks(rows, moment), ledger, moment, moment, trigger, f"run-{at}")


def test_information_cutoff_is_the_live_moment_until_tipoff_then_the_reconstruction():
    tipoffs = pd.Series([TIPOFF[EARLY], TIPOFF[LATE]])
    live = information_cutoffs(tipoffs, utc("2025-12-31 01:00"), LEAD)  # 20:00 ET: the early game has started
    assert live.tolist() == [utc("2025-12-30 23:00"), utc("2025-12-31 01:00")]
    backfill = information_cutoffs(tipoffs, None, LEAD)
    assert backfill.tolist() == [utc("2025-12-30 23:00"), utc("2025-12-31 02:00")]


def test_publications_state_new_changed_and_withdrawn_picks_and_freeze_at_tipoff():
    first = publish(PICK_PUBLICATIONS.empty(), [pick("tatum", EARLY, 24.0), pick("brown", EARLY, 19.0),
                                               pick("brunson", LATE, 27.0)], "2025-12-30 15:00", "first run of the day")
    assert sorted(zip(first["player_lookup"], first["change"])) == [("brown", NEW), ("brunson", NEW), ("tatum", NEW)]
    assert set(first["publication_id"]) == {"2025-12-30@2025-12-30T15:00:00Z"}
    assert first["trigger"].unique().tolist() == ["first run of the day"]

    # nothing changed: no publication at all
    same = publish(first, [pick("tatum", EARLY, 24.0), pick("brown", EARLY, 19.0), pick("brunson", LATE, 27.0)],
                   "2025-12-30 17:00")
    assert same.empty

    # 18:00 ET: Brown ruled out (no longer predicted), Tatum's line moved; Brunson unchanged is not repeated
    second = publish(first, [pick("tatum", EARLY, 24.0, line=22.5, recommendation="PASS"), pick("brunson", LATE, 27.0)],
                     "2025-12-30 23:00", "injury report, lines changed")
    assert sorted(zip(second["player_lookup"], second["change"])) == [("brown", WITHDRAWN), ("tatum", CHANGED)]
    withdrawn = second.set_index("player_lookup").loc["brown"]
    assert withdrawn["predicted_points"] == 19.0 and withdrawn["information_as_of"] == pd.Timestamp("2025-12-30 23:00")

    # 20:00 ET: the early game has tipped off: a change of its picks is not published, the late game's is
    ledger = pd.concat([first, second], ignore_index=True)
    third = publish(ledger, [pick("tatum", EARLY, 30.0), pick("brunson", LATE, 25.0, recommendation="UNDER")],
                    "2025-12-31 01:00")
    assert third[["player_lookup", "change"]].values.tolist() == [["brunson", CHANGED]]
    assert (pd.to_datetime(third["published_at"]) < pd.to_datetime(third["tipoff_utc"])).all()


def test_picks_of_record_are_the_last_before_tipoff_or_the_reconstruction():
    first = publish(PICK_PUBLICATIONS.empty(), [pick("tatum", EARLY, 24.0), pick("brown", EARLY, 19.0)], "2025-12-30 15:00")
    second = publish(first, [pick("tatum", EARLY, 25.5)], "2025-12-30 23:30")  # brown withdrawn
    ledger = pd.concat([first, second], ignore_index=True)
    reconstruction = picks([pick("tatum", EARLY, 99.0), pick("brown", EARLY, 99.0), pick("brunson", LATE, 26.0)], None)
    record = picks_of_record(ledger, reconstruction).set_index("player_lookup")
    assert record.index.tolist() == ["brunson", "tatum"]  # brown was withdrawn before tip-off: no pick
    assert record.loc["tatum", "predicted_points"] == 25.5 and record.loc["tatum", "pick_source"] == LIVE
    assert record.loc["tatum", "published_at"] == pd.Timestamp("2025-12-30 23:30")
    # the late game was never published live: its as-of reconstruction counts
    assert record.loc["brunson", "pick_source"] == RECONSTRUCTION and pd.isna(record.loc["brunson", "published_at"])


def test_ledger_appends_once_and_never_rewrites(tmp_path):
    database = str(tmp_path / "warehouse.duckdb")
    ledger = DuckDBLedger(database=database)
    first = publish(PICK_PUBLICATIONS.empty(), [pick("tatum", EARLY, 24.0), pick("brown", EARLY, 19.0)], "2025-12-30 15:00")
    assert ledger.append(PICK_PUBLICATIONS, first) == 2
    assert ledger.append(PICK_PUBLICATIONS, first) == 0  # a retried step adds nothing twice
    edited = first.assign(predicted_points=first["predicted_points"] + 10)
    assert ledger.append(PICK_PUBLICATIONS, edited) == 0  # the same keys: what was published stays
    conn = duckdb.connect(database, read_only=True)
    stored = conn.execute("SELECT player_lookup, predicted_points FROM nba_predictions.pick_publications "
                          "ORDER BY player_lookup").fetchall()
    conn.close()
    assert stored == [("brown", 19.0), ("tatum", 24.0)]

    conn = duckdb.connect(database)
    conn.execute("ALTER TABLE nba_predictions.pick_publications ALTER predicted_points TYPE BIGINT")
    conn.close()
    with pytest.raises(SchemaDriftError, match="column predicted_points: stored BIGINT, declared FLOAT64"):
        ledger.append(PICK_PUBLICATIONS, publish(first, [pick("tatum", EARLY, 30.0)], "2025-12-30 20:00"))


@pytest.mark.parametrize("storage", ["duckdb", pytest.param("bigquery", marks=pytest.mark.emulator)])
def test_the_ledger_is_append_only_on_both_storages(storage, request):
    backend = request.getfixturevalue(f"{storage}_backend")
    ledger, warehouse = backend.resources["ledger"], backend.resources["warehouse"]
    first = publish(PICK_PUBLICATIONS.empty(), [pick("tatum", EARLY, 24.0), pick("brunson", LATE, 27.0)], "2025-12-30 15:00")
    second = publish(first, [pick("tatum", EARLY, 26.0), pick("brunson", LATE, 27.0)], "2025-12-30 20:00")
    assert ledger.append(PICK_PUBLICATIONS, first) == 2
    assert ledger.append(PICK_PUBLICATIONS, pd.concat([first, second])) == 1  # only the new publication's row
    stored = warehouse.read_table(PICK_PUBLICATIONS, DAY.date(), (DAY + pd.Timedelta(days=1)).date())
    stored = stored.sort_values(["published_at", "player_lookup"]).reset_index(drop=True)
    assert stored[["player_lookup", "change", "predicted_points"]].values.tolist() == [
        ["brunson", NEW, 27.0], ["tatum", NEW, 24.0], ["tatum", CHANGED, 26.0]]
    assert stored["published_at"].tolist() == [pd.Timestamp("2025-12-30 15:00")] * 2 + [pd.Timestamp("2025-12-30 20:00")]


def test_the_ledger_is_never_rebuilt(capsys):
    from nba_assets import cli

    assert cli.main(["rebuild", "--table", "nba_predictions.pick_publications"]) == 2
    assert "is append-only: its rows are what was published" in capsys.readouterr().err
