"""The relay's one typed settings object (SPEC section 10).

Values come from the environment and a ``.env`` file; the CLI passes its options as overrides.
Every default is written here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_total_sessions() -> int:
    """What the machine's memory allows: ~60 MB per session, half the RAM, at least 2."""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 20
    return max(2, int(pages // 2 // (60 * 1024 * 1024)))


class Settings(BaseSettings):
    """Relay configuration; field names map to the SPEC's upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    host: str = "127.0.0.1"
    port: int = Field(3010, ge=0, le=65535)
    data_dir: Path = Path("./data")
    allow_headless: bool = True
    # Per API key; 0 = no per-key cap (as the established relay): the global cap still holds.
    max_headless_sessions: int = Field(0, ge=0)
    max_total_headless_sessions: int = Field(default_factory=_default_total_sessions, ge=0)
    headless_session_timeout: float = Field(600, ge=0)
    headless_max_lifetime: float = Field(0, ge=0)
    headless_prewarm: bool = False
    headless_canvas: bool = False
    # Keep one fresh browser context ready for the next start (~20 MB; saves its creation).
    headless_spare_context: bool = True
    # Close the browser (and its spare context and driver) after this many seconds without a
    # session; the next start launches it again (a cold start). 0 = keep it forever.
    headless_idle_release: float = Field(300, ge=0)
    client_grace_seconds: float = Field(30, ge=0)
    handshake_ttl_seconds: float = Field(300, gt=0)
    handshake_max_pending: int = Field(10, ge=0)
    session_rate_limit: int = Field(30, ge=0)
    # Requests per minute of one API key, every route (a key may carry its own); 0 = off.
    key_rate_limit: int = Field(300, ge=0)
    # Per client address and minute, for the unauthenticated pairing endpoints (/auth/pair,
    # /auth/pair-request, /api/self-unpair) and, separately, for status polls and the module's
    # /api/clients/{id}/active probe. 0 = off.
    pairing_rate_limit: int = Field(30, ge=0)
    # Failed authentications (a wrong API key or token) per client address and minute; past it
    # every request from that address gets 429 until the window frees. 0 = off.
    auth_failure_limit: int = Field(30, ge=0)
    # The operator's reverse proxies (addresses or CIDRs): only their X-Forwarded-For is believed.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # Connections one address may hold open (0 = no cap; proxies in TRUSTED_PROXIES are not
    # capped), and seconds a client has to send a request's headers and body (0 = no limit).
    max_connections_per_address: int = Field(256, ge=0)
    request_read_timeout: float = Field(10, ge=0)
    # WebSockets not yet authenticated, on this instance and from one address (0 = no cap).
    max_unauthenticated_websockets: int = Field(1000, ge=0)
    max_unauthenticated_websockets_per_address: int = Field(16, ge=0)
    probe_rate_limit: int = Field(120, ge=0)
    chrome_path: str | None = Field(
        None, validation_alias=AliasChoices("chrome_path", "puppeteer_executable_path")
    )
    # Extra Chromium switches, whitespace-separated (e.g. a proxy); never web-security ones.
    chrome_args: Annotated[list[str], NoDecode] = []
    capture_browser_console: Literal["", "error", "warn", "debug"] = ""
    navigation_timeout: float = Field(30, gt=0)
    world_launch_timeout: float = Field(60, gt=0)
    game_ready_timeout: float = Field(60, gt=0)
    module_connect_timeout: float = Field(30, gt=0)
    request_timeout: float = Field(10, gt=0)
    diagnostics_ttl_seconds: float = Field(3600, ge=0)
    websocket_ping_interval_ms: int = Field(20_000, ge=0)
    ws_auth_timeout: float = Field(10, gt=0)
    ws_max_message_mb: float = Field(64, gt=0)
    allow_legacy_auth: bool = True
    foundry_url_allow: Annotated[list[str], NoDecode] = []
    foundry_url_deny: Annotated[list[str], NoDecode] = []
    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    public_url: str | None = None
    log_level: str = "INFO"
    access_log: bool = False  # one INFO line per HTTP request (uvicorn.access), secrets redacted
    log_format: Literal["text", "json"] = "text"
    # The event loop of `foundry-relay serve`: uvloop where installed (uvicorn[standard]).
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    # permessage-deflate on the module socket: less traffic for big replies (images), more CPU
    # per frame; off suits a relay next to its Foundry servers.
    ws_compression: bool = True
    # Processes serving the port (serve --workers N): the primary holds sessions and the browser,
    # every worker forwards requests and holds module sockets (docs: README "Several workers").
    workers: int = Field(1, ge=1, le=64)
    # Event streams (SPEC 14): listeners per client and per key (0 = no cap; 429 past them),
    # events a listener may fall behind before it is dropped, seconds between keep-alives.
    max_subscribers_per_client: int = Field(100, ge=0)
    max_subscribers_per_key: int = Field(500, ge=0)
    event_queue_size: int = Field(256, ge=1)
    event_keepalive_seconds: float = Field(15, gt=0)
    # Always-on worlds (SPEC 16). The operator's key for stored logins: 32 random bytes,
    # base64 (`foundry-relay worlds new-key`), in the environment or a file, never on a command
    # line; none = the feature is off. The previous key still opens logins sealed with it (they
    # are sealed again with the current one at start).
    credentials_key: SecretStr | None = None
    credentials_key_file: Path | None = None
    credentials_key_previous: SecretStr | None = None
    credentials_key_previous_file: Path | None = None
    auto_start_wait: float = Field(120, gt=0)  # how long a request waits for its world to start
    auto_start_cooldown: float = Field(60, ge=0)  # no new start after a failed one
    keep_alive_max_backoff: float = Field(300, gt=0)  # longest wait between restarts
    # GET /metrics (SPEC 11): off, open to anyone who reaches the port, or only with
    # "Authorization: Bearer <METRICS_TOKEN>" (the token in the environment, never a flag).
    metrics: Literal["off", "open", "token"] = "off"
    metrics_token: SecretStr | None = None
    # The store: SQLite in DATA_DIR by default, or PostgreSQL (postgresql://user@host/db; the
    # password, if any, in the URL or PGPASSWORD) for several relays on one database.
    database_url: SecretStr | None = None
    # Several relay instances as one (SPEC 11): their shared Redis (redis://[:password@]host:port
    # /db), holding who holds which client and session, and carrying requests between them.
    redis_url: SecretStr | None = None

    @field_validator(
        "foundry_url_allow", "foundry_url_deny", "cors_origins", "trusted_proxies", mode="before"
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        from .core.addresses import parse_networks

        parse_networks(value)  # ValueError names the bad entry
        return value

    @field_validator("chrome_args", mode="before")
    @classmethod
    def _split_args(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split()
        if isinstance(value, list):
            unsafe = [a for a in value if "web-security" in str(a) or "insecure" in str(a)]
            if unsafe:
                raise ValueError(f"CHROME_ARGS may not weaken web security: {unsafe}")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def ws_max_bytes(self) -> int:
        return int(self.ws_max_message_mb * 1024 * 1024)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "relay.db"

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("DATABASE_URL must be a postgresql:// URL (SQLite is the default)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _one_way_to_scale(self) -> Settings:
        if self.redis_url is not None and self.workers > 1:
            raise ValueError(
                "WORKERS > 1 and REDIS_URL do not combine: run one worker per instance"
            )
        return self

    @property
    def store_target(self) -> Path | str:
        """What the store opens: ``DATABASE_URL`` when set, else the SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.db_path
