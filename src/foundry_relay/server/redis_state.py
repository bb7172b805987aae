"""What relay instances keep in their shared Redis (SPEC 11), and the Lua scripts that change it
atomically. Every key starts with ``fr:``.

- ``fr:instances`` (set) the instances that joined; ``fr:alive:<name>`` (expiring) each one's
  heartbeat: an instance whose heartbeat expired is reaped by whoever notices first.
- ``fr:clients`` (hash) clientId → the directory entry of the socket holding it (JSON, with
  ``worker`` = the instance).
- ``fr:sess:<keyId>`` (hash) sessionId → the session as its instance last wrote it (JSON);
  ``fr:sessions`` (hash) sessionId → ``<instance>|<keyId>``: the caps count these.
- ``fr:where:<sessionId>`` the instance that ran a session (kept while its log is).
- ``fr:hs:<digest of a handshake token>`` the instance holding that handshake's private key.
- ``fr:bucket:<what>:<id>`` (hash: tokens, at) the token bucket of a rate limit.
- ``fr:autostart:<keyId>:<clientId>`` the instance starting an always-on world.
"""

from __future__ import annotations

import hashlib
from typing import Any

import redis.asyncio as aioredis

INSTANCES = "fr:instances"
CLIENTS = "fr:clients"
SESSIONS = "fr:sessions"


def alive_key(name: str) -> str:
    return f"fr:alive:{name}"


def sessions_key(key_id: str) -> str:
    return f"fr:sess:{key_id}"


def where_key(session_id: str) -> str:
    return f"fr:where:{session_id}"


def handshake_key(token: str) -> str:
    """Names a handshake without storing its token (a digest, not the secret)."""
    return "fr:hs:" + hashlib.sha256(token.encode()).hexdigest()


def rate_key(what: str, ident: str) -> str:
    return f"fr:bucket:{what}:{ident}"


def autostart_key(key_id: str, client_id: str | None) -> str:
    return f"fr:autostart:{key_id}:{client_id or '*'}"


# A socket claims its clientId: refused (0, holder) when another key holds it, else taken over
# (1, the previous holder or "").
CLAIM = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local o = cjson.decode(old)
  if o['key'] ~= ARGV[3] then return {0, old} end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, old or ''}
"""

# A socket closed: its entry goes, unless another socket has claimed the clientId since.
RELEASE = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and cjson.decode(old)['link'] == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
"""

# A session takes a slot: 1 = the key's cap, 2 = the relay's cap, 0 = reserved.
RESERVE = """
local per_key, total = tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[6] == '1' then
  if per_key > 0 and redis.call('HLEN', KEYS[1]) >= per_key then return 1 end
  if total > 0 and redis.call('HLEN', KEYS[2]) >= total then return 2 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
redis.call('SET', KEYS[3], ARGV[7])
return 0
"""

# A session changed (written only while it holds its slot) or ended (slot freed).
UPDATE = """
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return 1
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
"""

# An instance's heartbeat expired: whoever sees it first removes its clients and sessions and
# learns what they were; the others get nothing.
REAP = """
local name = ARGV[1]
if redis.call('EXISTS', 'fr:alive:' .. name) == 1 then return false end
if redis.call('SREM', KEYS[1], name) == 0 then return false end
local clients, sessions = {}, {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1])['worker'] == name then
    redis.call('HDEL', KEYS[2], all[i])
    table.insert(clients, all[i])
  end
end
local held = redis.call('HGETALL', KEYS[3])
for i = 1, #held, 2 do
  local sep = string.find(held[i + 1], '|', 1, true)
  if string.sub(held[i + 1], 1, sep - 1) == name then
    redis.call('HDEL', KEYS[3], held[i])
    redis.call('HDEL', 'fr:sess:' .. string.sub(held[i + 1], sep + 1), held[i])
    table.insert(sessions, held[i])
  end
end
return {cjson.encode(clients), cjson.encode(sessions)}
"""

# One token from a rate limit's bucket (limit tokens, refilled at limit per window; times in
# ms): 0 = taken, else the milliseconds until a token is back.
RATE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(bucket[1]) or limit, tonumber(bucket[2]) or now
tokens = math.min(limit, tokens + (now - at) * limit / window)
if tokens < 1 then
  return math.max(1, math.ceil((1 - tokens) * window / limit))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', now)
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class Scripts:
    """The scripts, registered once with the client (EVALSHA, reloaded after a Redis restart)."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.claim = redis.register_script(CLAIM)
        self.release = redis.register_script(RELEASE)
        self.reserve = redis.register_script(RESERVE)
        self.update = redis.register_script(UPDATE)
        self.reap = redis.register_script(REAP)
        self.rate = redis.register_script(RATE)


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
