"""Logging configuration, applied only by the CLI. Text or JSON lines on stderr."""

from __future__ import annotations

import json
import logging
import re
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def configure(level: str = "INFO", fmt: str = "text", *, access_log: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter stays at WARNING unless DEBUG is asked for.
    for noisy in ("uvicorn.access", "httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel("WARNING" if level != "DEBUG" else "DEBUG")
    if access_log:  # ACCESS_LOG asks for one line per request at the chosen level
        logging.getLogger("uvicorn.access").setLevel(level)


_SECRET_QUERY = re.compile(r"([?&](?:token|key|apiKey|api_key|password)=)[^&\s\"']+", re.I)
_SECRET_JSON = re.compile(
    r'("(?:token|password|adminPassword|encryptedPassword|handshakeToken|connectionToken)"'
    r"\s*:\s*)\"[^\"]*\"?",
    re.I,
)

# WebSocket handshakes logged at DEBUG list their headers: "< x-api-key: frk_..."
_SECRET_HEADER = re.compile(r"((?:x-api-key|authorization|cookie|set-cookie)\s*:\s*)\S+", re.I)


class RedactSecrets(logging.Filter):
    """Redacts secrets in query strings of log lines (uvicorn logs WebSocket request lines, and
    legacy modules put the API key in ``?token=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "=" in message or '"' in message or ":" in message:
            redacted = _SECRET_QUERY.sub(r"\1***", message)
            redacted = _SECRET_JSON.sub(r'\1"***"', redacted)
            redacted = _SECRET_HEADER.sub(r"\1***", redacted)
            if redacted != message:
                record.msg, record.args = redacted, None
        return True


def install_redaction() -> None:
    """Attach the filter to uvicorn's loggers once (called wherever a server starts)."""
    for name in ("uvicorn.error", "uvicorn.access", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
