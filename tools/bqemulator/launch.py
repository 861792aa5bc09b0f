"""Start bqemulator 1.4.0 offline: `python launch.py start --rest-host 127.0.0.1 --rest-port N ...` (bqemulator's own CLI).

Two patches make the released version usable without network access and with google-cloud-bigquery 3.x:
- the DuckDB spatial extension is downloaded at start-up (INSTALL spatial), which fails offline; we skip it,
  so GEOGRAPHY is unsupported (the pipeline has no GEOGRAPHY column);
- google-cloud-bigquery sends the media part of a multipart upload (load_table_from_dataframe) as '*/*',
  which the emulator rejects with 400 (upstream PR jjviscomi/bqemulator#266); we accept it.
BQEMU_ENABLE_FORMAT_EXTENSIONS=false stops the emulator from downloading the avro extension.
Run it with this folder's venv (`make .venv-bqemu/.installed`), never the app's.
"""

from __future__ import annotations

import os

from bqemulator.api.routes import upload
from bqemulator.cli import main
from bqemulator.storage.engine import DuckDBEngine

os.environ["BQEMU_ENABLE_FORMAT_EXTENSIONS"] = "false"
DuckDBEngine._load_spatial = lambda self: None
upload._PERMITTED_MEDIA_CONTENT_TYPES = (*upload._PERMITTED_MEDIA_CONTENT_TYPES, "*/*")

if __name__ == "__main__":
    main()
