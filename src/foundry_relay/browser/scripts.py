"""Scripts a session's context runs before any page script, in every frame: the localStorage
seed (client-scope settings, only where absent) and the WebSocket guard (SPEC 4.3 step 2)."""

from __future__ import annotations

# Runs before any page script on every navigation: seed client settings only where absent.
SEED_SCRIPT = """
(() => {
  const seed = %s;
  try {
    if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
    for (const [k, v] of Object.entries(seed)) {
      if (localStorage.getItem(k) === null) localStorage.setItem(k, v);
    }
  } catch (e) { /* storage unavailable on this page */ }
})();
"""


# Runs before any page script in every frame: a WebSocket may open only to the page's own origin
# (Foundry's socket) and to the origins the relay allows (its own). A world paired with another
# relay must never send that relay the session's connection token.
WEBSOCKET_GUARD = """
(() => {
  const allowed = new Set(%s);
  const Native = window.WebSocket;
  if (!Native || Native.__relayGuard) return;
  const wsOrigin = (u) => u.protocol.replace(/^http/, 'ws') + '//' + u.host;
  function GuardedWebSocket(url, protocols) {
    if (!new.target) throw new TypeError("Failed to construct 'WebSocket'");
    let target = null;
    try { target = new URL(url, location.href); } catch (e) { /* native throws below */ }
    if (target !== null) {
      const origin = wsOrigin(target);
      if (origin !== wsOrigin(location) && !allowed.has(origin)) {
        (window.__relayBlockedSockets = window.__relayBlockedSockets || []).push(origin);
        console.warn('foundry-relay: refused a WebSocket to ' + origin);
        throw new DOMException('WebSocket to ' + origin + ' refused by the relay',
                               'SecurityError');
      }
    }
    return protocols === undefined ? new Native(url) : new Native(url, protocols);
  }
  GuardedWebSocket.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) {
    Object.defineProperty(GuardedWebSocket, k, { value: Native[k] });
  }
  Object.defineProperty(GuardedWebSocket, '__relayGuard', { value: true });
  Object.defineProperty(window, 'WebSocket', { value: GuardedWebSocket, writable: false,
                                               configurable: false });
})();
"""
