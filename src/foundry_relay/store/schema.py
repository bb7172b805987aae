"""The store's schema: one migration per version (``PRAGMA user_version``), applied in order,
so older files migrate in place."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # version 1
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE connection_tokens (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys(id),
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        session_id TEXT,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE known_clients (
        key_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (key_id, client_id)
    );
    CREATE INDEX known_clients_by_client ON known_clients(client_id);
    CREATE TABLE session_history (
        session_id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        foundry_url TEXT NOT NULL,
        username TEXT NOT NULL,
        world_name TEXT,
        client_id TEXT,
        state TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        end_reason TEXT
    );
    """,
    # version 2: pairing (SPEC 12). Known clients carry their world; tokens their clientId.
    """
    ALTER TABLE known_clients ADD COLUMN world_id TEXT;
    ALTER TABLE known_clients ADD COLUMN world_title TEXT;
    ALTER TABLE known_clients ADD COLUMN server_origin TEXT;
    ALTER TABLE known_clients ADD COLUMN fingerprint TEXT;
    ALTER TABLE known_clients ADD COLUMN metadata TEXT;
    CREATE INDEX known_clients_by_world ON known_clients(key_id, world_id);
    ALTER TABLE connection_tokens ADD COLUMN client_id TEXT;
    CREATE TABLE pairing_codes (
        code TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys(id),
        client_id TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_at REAL
    );
    CREATE TABLE pair_requests (
        code TEXT PRIMARY KEY,
        world_id TEXT NOT NULL,
        world_title TEXT NOT NULL,
        system_id TEXT NOT NULL,
        system_title TEXT NOT NULL,
        system_version TEXT NOT NULL,
        foundry_version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        client_id TEXT NOT NULL,
        upgrade_only INTEGER NOT NULL,
        status TEXT NOT NULL,
        key_id TEXT,
        pairing_code TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
    # version 3: keys that may run code in the GM's browser (SPEC 13; scopes replace it later)
    """
    ALTER TABLE api_keys ADD COLUMN allow_execute_js INTEGER NOT NULL DEFAULT 0;
    """,
    # version 4: the worlds a token's world may call with remote-request (SPEC 14); NULL = any
    # world of its key, else a JSON list of clientIds
    """
    ALTER TABLE connection_tokens ADD COLUMN remote_targets TEXT;
    """,
    # version 5: stored Foundry logins of always-on worlds (SPEC 16), sealed with the operator's
    # key (AES-GCM): the password never appears here in clear
    """
    CREATE TABLE world_logins (
        key_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        foundry_url TEXT NOT NULL,
        username TEXT NOT NULL,
        world_name TEXT,
        sealed BLOB NOT NULL,
        nonce BLOB NOT NULL,
        sealed_by TEXT NOT NULL,
        auto_start INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (key_id, client_id)
    );
    """,
    # version 6: which relay instance ran a session, so an instance starting on a shared database
    # ends only the sessions of instances that are gone (SPEC 11)
    """
    ALTER TABLE session_history ADD COLUMN instance_id TEXT;
    """,
    # version 7: scoped keys and their management (SPEC 15). Scopes and clientIds as JSON lists
    # (clientIds NULL = any world of the key). A key made before has NULL scopes: everything
    # but execute-js, unless its allow_execute_js flag gave it that too (ApiKey.from_row).
    # Requests per key and month for quotas; a name the key's owner gives a known world.
    """
    ALTER TABLE api_keys ADD COLUMN scopes TEXT;
    ALTER TABLE api_keys ADD COLUMN client_ids TEXT;
    ALTER TABLE api_keys ADD COLUMN expires_at REAL;
    ALTER TABLE api_keys ADD COLUMN rate_limit INTEGER;
    ALTER TABLE api_keys ADD COLUMN monthly_quota INTEGER;
    ALTER TABLE api_keys ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE api_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE known_clients ADD COLUMN custom_name TEXT;
    CREATE TABLE key_usage (
        key_id TEXT NOT NULL,
        month TEXT NOT NULL,
        requests INTEGER NOT NULL,
        PRIMARY KEY (key_id, month)
    );
    """,
    # version 8: what a token's world may do with remote-request (SPEC 14, as the established
    # relay's remoteScopes and remoteRequestsPerHour): scopes (NULL = every scope of its key,
    # else a JSON list) and calls per hour (NULL = no limit of its own)
    """
    ALTER TABLE connection_tokens ADD COLUMN remote_scopes TEXT;
    ALTER TABLE connection_tokens ADD COLUMN remote_per_hour INTEGER;
    """,
]

PAIRING_CODE_TTL = 600.0  # SPEC 12: ten minutes
APPROVED_CODE_TTL = 300.0  # the code an approved browser request hands to the module
PAIR_REQUEST_TTL = 600.0
