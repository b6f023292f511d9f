"""JSON log lines on stderr, each carrying the id of the request it belongs to, with capability secrets redacted.

Some URLs are secrets themselves: a learner's credential link, a wallet offer's reference, and the
pre-authorized code, transaction code or token a wallet may carry in a query string. Whoever reads them from a log
could take the credential, so :func:`redact` blanks them in every line (ours, uvicorn's, httpx's).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["REDACTED", "JsonFormatter", "configure_logging", "redact", "request_id"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}

REDACTED = "[redacted]"
_END = r"/?#\s\"'&<>\\"  # characters that end a path segment in a line of text
# Paths whose first segment after the prefix is a capability: offer references and learner credential links.
_SECRET_PATH = re.compile(
    rf"/(credentials/offers|credentials|wallet|oid4vci/offers|exchanges)((?:/[^{_END}]+)+)"
)
_NOT_SECRET = {
    "credentials": {"issue", "offers", "status", "verify"}
}  # fixed routes beside /credentials/{id}
# Segments after the secret that are route words, kept for the log's sake; anything else there is redacted too.
_ROUTE_WORDS = {"badge.png", "badge.svg", "qr.svg", "credential.json", "wallet", "status", "protocols"}
_SECRET_PARAMETER = re.compile(
    rf"(?i)((?:pre-authorized_code|tx_code|access_token|refresh_token|code|token|c_nonce|challenge|secret|key)=)"
    rf"[^{_END}]+"
)


def _redact_path(match: re.Match[str]) -> str:
    prefix, segments = match.group(1), match.group(2).split("/")[1:]
    if segments[0] in _NOT_SECRET.get(prefix, ()):
        return match.group(0)
    kept = [REDACTED, *(part if part in _ROUTE_WORDS else REDACTED for part in segments[1:])]
    return "/" + prefix + "".join("/" + part for part in kept)


def redact(text: str) -> str:
    """``text`` with the secret parts of capability URLs (paths and query parameters) replaced by ``[redacted]``."""
    if "/" not in text and "=" not in text:
        return text
    return _SECRET_PARAMETER.sub(rf"\1{REDACTED}", _SECRET_PATH.sub(_redact_path, text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and any ``extra=`` fields; capability
    secrets in it are redacted (:func:`redact`), whoever logged them."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Lines logged during a request carry its id (set by app.middleware); an explicit extra wins.
        rid = request_id.get()
        if rid is not None:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


def configure_logging(level: str) -> None:
    """Send the root logger (and uvicorn's) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # The request log line comes from app.middleware (with the request id); uvicorn's access log would repeat it.
    logging.getLogger("uvicorn.access").disabled = True
