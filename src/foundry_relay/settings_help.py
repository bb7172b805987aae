"""What each setting means, for `foundry-relay serve --help` (the README's settings table says
the same; a test keeps them in step)."""

from __future__ import annotations

MEANING: dict[str, str] = {
    "host": "address to listen on",
    "port": "port; 0 picks a free one (logged)",
    "data_dir": "SQLite store relay.db and the browser's home",
    "allow_headless": "enable the session endpoints",
    "max_headless_sessions": (
        "sessions per API key, launching ones included (0 = no per-key cap, as the "
        "established relay; the total cap still holds)"
    ),
    "max_total_headless_sessions": "sessions on this instance (0 = unlimited)",
    "headless_session_timeout": "idle seconds before a session ends (0 = never)",
    "headless_max_lifetime": "hard lifetime in seconds (0 = none)",
    "headless_prewarm": "launch the browser at start-up",
    "headless_canvas": "let Foundry draw its WebGL canvas (off: core.noCanvas)",
    "headless_spare_context": "keep one fresh browser context ready for the next start (~20 MB)",
    "headless_idle_release": (
        "seconds without a session after which the browser, its spare context and driver "
        "close (~320 MB back; the next start is cold, ~0.4 s more); 0 = keep them"
    ),
    "client_grace_seconds": "how long a session waits for its module to reconnect",
    "handshake_ttl_seconds": "handshake lifetime",
    "handshake_max_pending": "outstanding handshakes per key (0 = no cap)",
    "session_rate_limit": "handshakes + starts per key per minute (0 = off)",
    "key_rate_limit": (
        "requests per API key per minute, every route (a key may carry its own limit); "
        "429 RATE_LIMITED with Retry-After past it (0 = off)"
    ),
    "pairing_rate_limit": (
        "/auth/pair, /auth/pair-request, /api/self-unpair calls per client address per "
        "minute (0 = off)"
    ),
    "auth_failure_limit": (
        "failed authentications (wrong API key or token, on HTTP, /relay, /ws/api and "
        "event streams) per client address per minute; past it that address gets 429 with"
        " Retry-After, without a key lookup (0 = off)"
    ),
    "trusted_proxies": (
        "your reverse proxies (addresses or CIDRs, comma-separated): only their "
        "X-Forwarded-For names the client address used by the per-address limits"
    ),
    "max_connections_per_address": (
        "connections one client address may hold open, module sockets and event streams "
        "included; more are closed at once (0 = no cap; addresses in TRUSTED_PROXIES and "
        "127.0.0.1, where the relay's own sessions connect from, are not capped)"
    ),
    "request_read_timeout": (
        "seconds a client has to send a request's headers and body before its connection "
        "is closed (slow clients; 0 = no limit)"
    ),
    "max_unauthenticated_websockets": (
        "WebSockets (/relay, /ws/api) open but not yet authenticated on this instance; more "
        "are refused 429 before the upgrade (0 = no cap)"
    ),
    "max_unauthenticated_websockets_per_address": (
        "the same, from one client address (0 = no cap; 127.0.0.1, where the relay's own "
        "sessions connect from, counts only in all)"
    ),
    "probe_rate_limit": (
        "pairing-status polls and /api/clients/{id}/active probes per address per minute (0 = off)"
    ),
    "chrome_path": (
        "Chromium binary (PUPPETEER_EXECUTABLE_PATH accepted); default: Debian's "
        "chromium-headless-shell, else chromium"
    ),
    "chrome_args": "extra Chromium switches, space-separated (web-security switches are refused)",
    "capture_browser_console": "error, warn or debug: page console into the session log",
    "navigation_timeout": "launch stage timeouts (s)",
    "world_launch_timeout": "launch stage timeouts (s)",
    "game_ready_timeout": "launch stage timeouts (s)",
    "module_connect_timeout": "launch stage timeouts (s)",
    "request_timeout": "forwarded request timeout (s)",
    "diagnostics_ttl_seconds": "how long a finished session's log and screenshot are kept",
    "websocket_ping_interval_ms": "protocol pings; a client silent for two intervals is dropped",
    "ws_auth_timeout": "seconds a module has to send its auth frame",
    "ws_max_message_mb": "largest WebSocket frame (and request body)",
    "allow_legacy_auth": "accept ?token=<api key> from older modules",
    "foundry_url_allow": (
        "host/CIDR lists for Foundry URLs (link-local and metadata addresses are always denied)"
    ),
    "foundry_url_deny": (
        "host/CIDR lists for Foundry URLs (link-local and metadata addresses are always denied)"
    ),
    "cors_origins": "allowed browser origins",
    "public_url": (
        "the relay's public base URL: the wss:// URL given to paired and auto-paired "
        "worlds, and the base of /pair/<code> links"
    ),
    "log_level": "DEBUG … CRITICAL",
    "access_log": "one INFO line per HTTP request (query-string secrets redacted)",
    "log_format": "text or json",
    "event_loop": "uvloop where installed (auto), or asyncio",
    "ws_compression": (
        "permessage-deflate on module sockets (off: ~10 % more forwarded requests per "
        "core, more traffic for large replies)"
    ),
    "workers": "processes serving the port (serve --workers N, below)",
    "max_subscribers_per_client": (
        "event listeners (streams and /ws/api subscriptions) per world and per key; 429 "
        "SUBSCRIBER_LIMIT past them (0 = no cap)"
    ),
    "max_subscribers_per_key": (
        "event listeners (streams and /ws/api subscriptions) per world and per key; 429 "
        "SUBSCRIBER_LIMIT past them (0 = no cap)"
    ),
    "event_queue_size": "events a listener may fall behind before it is dropped with an error",
    "event_keepalive_seconds": "seconds between : keepalive comments on event streams",
    "credentials_key": (
        "the operator's key for stored logins (32 bytes, base64); unset = always-on "
        "worlds off. Never a command-line option"
    ),
    "credentials_key_file": (
        "the operator's key for stored logins (32 bytes, base64); unset = always-on "
        "worlds off. Never a command-line option"
    ),
    "credentials_key_previous": (
        "the key being rotated out: logins sealed with it are re-sealed at start"
    ),
    "credentials_key_previous_file": (
        "the key being rotated out: logins sealed with it are re-sealed at start"
    ),
    "auto_start_wait": "seconds a request waits for its always-on world to start",
    "auto_start_cooldown": "seconds without a new start after a failed one",
    "keep_alive_max_backoff": "longest wait between restarts of an always-on world",
    "metrics": (
        "GET /metrics: off, open, or token (scrapers send Authorization: Bearer "
        "$METRICS_TOKEN; the token only in the environment)"
    ),
    "database_url": (
        "postgresql://user@host/db to keep the store in PostgreSQL (several relays on one"
        ' database; install with pip install -e ".[postgres]"); unset = SQLite in '
        "DATA_DIR. Environment only"
    ),
    "redis_url": (
        "redis://host:port/db: this relay is one of several instances sharing that Redis "
        '("Running several relays"). Environment only'
    ),
}
