"""A process that takes the DuckDB warehouse the way the pipeline does (storage.warehouse_lock) and holds it until told:
`python -m nba_assets_tests.hold_warehouse <database> read|write`. Prints `waiting` before it asks for the file, `acquired` once it holds the file (a
writer first adds a row to nba_analytics.season_calendar), then waits for a line on stdin, releases and prints
`released`."""

import sys

from nba_assets.storage.warehouse_lock import open_warehouse

if __name__ == "__main__":
    database, mode = sys.argv[1], sys.argv[2]
    print("waiting", flush=True)
    with open_warehouse(database, write=mode == "write", purpose=f"hold the file ({mode})") as conn:
        if mode == "write":
            conn.execute("CREATE SCHEMA IF NOT EXISTS nba_analytics")
            conn.execute("CREATE TABLE IF NOT EXISTS nba_analytics.held (note VARCHAR)")
            conn.execute("INSERT INTO nba_analytics.held VALUES ('written while held')")
        print("acquired", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
