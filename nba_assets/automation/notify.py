"""Where failure alerts go: the log by default, or a webhook (NBA_ASSETS_ALERT_WEBHOOK)."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from typing import Protocol

log = logging.getLogger("nba_assets.alerts")


class Notifier(Protocol):
    def notify(self, title: str, details: dict) -> None: ...


class LoggingNotifier:
    def notify(self, title: str, details: dict) -> None:
        log.error("%s %s", title, json.dumps(details, sort_keys=True))


class WebhookNotifier:
    """POSTs {"text": title, "details": {...}} as JSON (the shape Slack-style incoming webhooks accept)."""

    def __init__(self, url: str, timeout_seconds: float = 10.0):
        self.url, self.timeout_seconds = url, timeout_seconds

    def notify(self, title: str, details: dict) -> None:
        body = json.dumps({"text": title, "details": details}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
            response.read()


def notifier_from_environment() -> Notifier:
    url = os.environ.get("NBA_ASSETS_ALERT_WEBHOOK")
    return WebhookNotifier(url) if url else LoggingNotifier()
