/* Simulated foundry-rest-api module: connects the game page to the relay's /relay WebSocket and
 * answers its requests from a small in-memory world. Mirrors the released module's observable
 * behaviour: first-frame auth, ping after auth-success and every pingInterval seconds,
 * player-list, close-code handling and reconnect backoff. */
(function () {
  "use strict";

  const NS = "foundry-rest-api";
  const PAGE = window.__page || JSON.parse(document.getElementById("page-data").textContent);
  const PING_INTERVAL_S = 30;
  const MODULE_CFG = PAGE.module || {};
  const MAX_ATTEMPTS = 20;

  const state = {
    ws: null, status: "idle", attempts: 0, connects: 0, closes: [], received: [],
    dropped: false, stopped: false, reconnectTimer: null, pingTimer: null,
  };
  window.__module = state;
  state.send = (obj) => send(obj);  // for module-events.js

  /* ------------------------------------------------------------------ dice */
  function rollDie(faces) { return 1 + Math.floor(Math.random() * faces); }

  function evaluate(formula) {
    if (typeof formula !== "string" || !formula.trim()) throw new Error("Invalid roll formula");
    const src = formula.replace(/\s+/g, "");
    const re = /([+-]?)(?:(\d*)d(\d+|%)((?:k[hl]?|d[hl]?)\d*)?|(\d+(?:\.\d+)?))/gy;
    let pos = 0, total = 0, m;
    const dice = [], terms = [];
    if (!src.length) throw new Error("Invalid roll formula");
    while (pos < src.length) {
      re.lastIndex = pos;
      m = re.exec(src);
      if (!m || m.index !== pos || m[0] === "" || (pos > 0 && !m[1])) {
        throw new Error(`Invalid roll formula: ${formula}`);
      }
      pos = re.lastIndex;
      const sign = m[1] === "-" ? -1 : 1;
      if (m[5] !== undefined) {
        total += sign * Number(m[5]);
        terms.push((sign < 0 ? "-" : "+") + m[5]);
        continue;
      }
      const count = m[2] === "" ? 1 : Number(m[2]);
      const faces = m[3] === "%" ? 100 : Number(m[3]);
      if (count < 1 || count > 100 || faces < 1 || faces > 1000) {
        throw new Error(`Invalid dice term in ${formula}`);
      }
      const results = [];
      for (let i = 0; i < count; i++) results.push({ result: rollDie(faces), active: true });
      const mod = m[4] || "";
      if (mod) {
        const mm = /^(k|d)([hl]?)(\d*)$/.exec(mod);
        const n = mm[3] === "" ? 1 : Number(mm[3]);
        const order = results.map((r, i) => [r.result, i]).sort((a, b) => a[0] - b[0]);
        const high = mm[2] !== "l";
        let drop;
        if (mm[1] === "k") {
          const keep = high ? order.slice(order.length - n) : order.slice(0, n);
          const kept = new Set(keep.map((x) => x[1]));
          drop = results.map((_, i) => i).filter((i) => !kept.has(i));
        } else {
          const gone = high ? order.slice(order.length - n) : order.slice(0, n);
          drop = gone.map((x) => x[1]);
        }
        for (const i of drop) { results[i].active = false; results[i].discarded = true; }
      }
      const sub = results.filter((r) => r.active).reduce((a, r) => a + r.result, 0);
      total += sign * sub;
      dice.push({ faces, number: count, modifiers: mod ? [mod] : [], results, total: sub });
      terms.push((sign < 0 ? "-" : "+") + `${count}d${m[3]}${mod}`);
    }
    const d20 = dice.find((d) => d.faces === 20);
    const natural = d20 ? d20.results.find((r) => r.active) : null;
    return {
      formula: terms.join("").replace(/^\+/, ""), total, dice, result: String(total),
      isCritical: natural ? natural.result === 20 : false,
      isFumble: natural ? natural.result === 1 : false,
    };
  }
  window.__evaluateRoll = evaluate;

  /* -------------------------------------------------------------- handlers */
  /* Every request type is answered from the world of world-store.js by the handlers of
   * api-documents.js, api-table.js and api-dnd5e.js; a userId names the Foundry user whose
   * permissions apply (unknown: "User not found"). */
  const handlers = window.__world.handlers;

  function answer(msg) {
    const delay = (PAGE.faults && PAGE.faults.replyDelay) || 0;
    if (delay > 0) { setTimeout(() => respond(msg), delay * 1000); return; }
    respond(msg);
  }

  async function respond(msg) {
    const handler = handlers[msg.type];
    let reply;
    if (!handler) reply = { error: `Unknown request type: ${msg.type}` };
    else {
      try {
        reply = await handler(msg, window.__world.requestUser(msg));
      } catch (e) {
        reply = { ...(e.reply || {}), success: false, error: e.message || String(e) };
      }
    }
    send({ type: `${msg.type}-result`, requestId: msg.requestId, ...reply });
  }

  /* ------------------------------------------------------------ connection */
  /* Settings as the real module keeps them: wsRelayUrl, clientId and pairedRelayUrl are world
   * settings (the server's world database), connectionToken a client setting (localStorage). */
  function setting(key) {
    const value = game.settings.get(NS, key);
    return value === undefined || value === null ? "" : String(value);
  }

  function setSetting(key, value) { return game.settings.set(NS, key, value); }

  function send(obj) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
  }

  /* ws(s)://host[/path][/relay] -> http(s)://host[/path], as the module's httpBaseFromWsUrl. */
  function httpBase(wsUrl) {
    let parsed;
    try { parsed = new URL(wsUrl); } catch (e) { return null; }
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") return null;
    let path = parsed.pathname;
    if (path.endsWith("/relay")) path = path.slice(0, -"/relay".length);
    const scheme = parsed.protocol === "wss:" ? "https:" : "http:";
    return `${scheme}//${parsed.host}${path}`.replace(/\/+$/, "");
  }

  function relayEndpoint() {
    let url = setting("wsRelayUrl");
    if (!url) return null;
    url = url.replace(/\/+$/, "");
    if (!/\/relay$/.test(url)) url += "/relay";
    const q = new URLSearchParams({
      id: setting("clientId"), worldId: game.world.id, worldTitle: game.world.title,
      foundryVersion: game.version, systemId: game.system.id, systemTitle: game.system.title,
      systemVersion: game.system.version,
    });
    return `${url}?${q}`;
  }

  function scheduleReconnect(delayMs) {
    if (state.stopped) return;
    state.status = "waiting";
    state.reconnectTimer = setTimeout(connect, delayMs);
  }

  async function onMessage(ev) {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    state.received.push(msg.type);
    if (state.received.length > 200) state.received.shift();
    if (msg.type === "auth-success") {
      state.status = "connected";
      state.attempts = 0;
      send({ type: "ping" });
      send({ type: "player-list", users: game.users.map((u) => ({ id: u.id, name: u.name,
                                                                 role: u.role, active: !!u.active })) });
      clearInterval(state.pingTimer);
      state.pingTimer = setInterval(() => send({ type: "ping" }), PING_INTERVAL_S * 1000);
      // The first successful connection pins the relay this world is paired with.
      if (!setting("pairedRelayUrl")) await setSetting("pairedRelayUrl", setting("wsRelayUrl"));
      const dropAfter = PAGE.faults && PAGE.faults.moduleDropAfter;
      if (dropAfter > 0 && !state.dropped) {
        setTimeout(() => { state.dropped = true; state.ws.close(4000, "Simulated drop"); },
                   dropAfter * 1000);
      }
      return;
    }
    if (msg.type === "pong" || msg.type === "ping") return;  // never answer relay-sent pings
    if (msg.type === "event-subscription-update") { window.__moduleEvents.subscription(msg); return; }
    if (msg.type === "remote-response") { window.__moduleEvents.remoteResponse(msg); return; }
    if (msg.requestId) answer(msg);
  }

  function onClose(ev) {
    clearInterval(state.pingTimer);
    state.closes.push({ code: ev.code, reason: ev.reason });
    state.ws = null;
    if (ev.code === 4000 && state.dropped) {
      if (PAGE.faults.moduleReconnect) scheduleReconnect(1000);
      else { state.status = "stopped"; state.stopped = true; }
      return;
    }
    if (ev.code === 1000) { state.status = "closed"; return; }
    if (ev.code === 1008 || ev.code === 4001 || ev.code === 4002) {
      setSetting("connectionToken", "");
      state.status = "unpaired";
      state.stopped = true;
      console.warn("foundry-rest-api: the relay refused this world; pair it again");
      return;
    }
    if (ev.code === 4004) { scheduleReconnect(30000); return; }
    state.attempts += 1;
    if (state.attempts > MAX_ATTEMPTS) { state.status = "gave-up"; return; }
    scheduleReconnect(Math.min(1000 * 2 ** (state.attempts - 1), 60000));
  }

  function connect() {
    const endpoint = relayEndpoint();
    if (!endpoint) { state.status = "no-relay"; return; }
    const token = setting("connectionToken");
    state.status = "connecting";
    state.connects += 1;
    let ws;
    try { ws = new WebSocket(endpoint); } catch (e) {
      state.errors.push(String(e && e.message || e));
      onClose({ code: 1006, reason: String(e) });
      return;
    }
    state.ws = ws;
    ws.addEventListener("open", () => send({ type: "auth", token }));
    ws.addEventListener("message", onMessage);
    ws.addEventListener("close", onClose);
  }

  /* What the released module does once the game is ready: no clientId -> not paired, stay
   * offline; a pinned relay URL that differs from the configured one -> refuse; no token ->
   * probe the relay, and forget the world's pairing if the relay never heard of it. */
  async function start() {
    const clientId = setting("clientId");
    const relayUrl = setting("wsRelayUrl");
    const paired = setting("pairedRelayUrl");
    if (!clientId) { state.status = "unpaired"; return; }
    if (paired && paired !== relayUrl) {
      state.status = "url-mismatch";
      console.warn(`foundry-rest-api: paired with ${paired}, not ${relayUrl}; pair again`);
      return;
    }
    if (!setting("connectionToken")) {
      const base = httpBase(relayUrl);
      if (!base) { state.status = "no-token"; return; }
      state.status = "probing";
      try {
        const r = await fetch(`${base}/api/clients/${encodeURIComponent(clientId)}/active`);
        state.probe = r.status;
        if (r.status === 404) {
          await setSetting("clientId", "");
          await setSetting("pairedRelayUrl", "");
          state.status = "unpaired";
          return;
        }
      } catch (e) { state.probe = "failed"; }
      state.status = "no-token";
      return;
    }
    connect();
  }

  /* ------------------------------------------------------------- pairing */
  /* The connection dialog's calls (connectionDialog.ts), behind a small panel on the page. */
  function randomFingerprint() {
    const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let out = "";
    for (let i = 0; i < 32; i++) out += chars[Math.floor(Math.random() * chars.length)];
    return out;
  }

  async function fingerprint() {
    let fp = setting("serverFingerprint");
    if (!fp) { fp = randomFingerprint(); await setSetting("serverFingerprint", fp); }
    return fp;
  }

  function say(text) {
    state.panel = text;
    const el = document.getElementById("rest-api-connection-status");
    if (el) el.textContent = text;
  }

  async function exchange(base, code) {
    const r = await fetch(`${base}/auth/pair`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        code, worldId: game.world.id, worldTitle: game.world.title,
        serverFingerprint: await fingerprint(), existingClientId: setting("clientId"),
        serverOrigin: window.location.origin,
      }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { say(`Pairing failed: ${body.error || r.status}`); return false; }
    const relayUrl = body.relayUrl || setting("wsRelayUrl");
    if (body.relayUrl) await setSetting("wsRelayUrl", body.relayUrl);
    await setSetting("connectionToken", body.token);
    await setSetting("clientId", body.clientId);
    await setSetting("pairedRelayUrl", relayUrl);
    say(`Paired! Client ID: ${body.clientId}`);
    // The module offers "Reload now?"; the panel takes it.
    setTimeout(() => window.location.reload(), 100);
    return true;
  }

  async function pairWithCode(code) {
    code = String(code || "").toUpperCase().trim();
    if (code.length !== 6) { say("Please enter a valid 6-character pairing code."); return false; }
    const base = httpBase(setting("wsRelayUrl"));
    if (!base) { say(`Invalid relay URL: ${setting("wsRelayUrl")}`); return false; }
    try { return await exchange(base, code); } catch (e) { say(`Pairing failed: ${e}`); return false; }
  }

  async function browserPair() {
    const base = httpBase(setting("wsRelayUrl"));
    if (!base) { say(`Invalid relay URL: ${setting("wsRelayUrl")}`); return; }
    let request;
    try {
      const r = await fetch(`${base}/auth/pair-request`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          worldId: game.world.id, worldTitle: game.world.title, systemId: game.system.id,
          systemTitle: game.system.title, systemVersion: game.system.version,
          foundryVersion: game.version, serverFingerprint: await fingerprint(),
        }),
      });
      request = await r.json().catch(() => ({}));
      if (!r.ok) { say(`Pairing failed: ${request.error || r.status}`); return; }
    } catch (e) { say(`Pairing failed: ${e}`); return; }
    state.pairRequest = request;
    if (/^https?:\/\//i.test(request.pairUrl)) window.open(request.pairUrl, "_blank");
    say("Waiting for approval");
    const interval = (MODULE_CFG.pairPollInterval || 3) * 1000;
    const poll = setInterval(async () => {
      let status;
      try {
        const r = await fetch(`${base}/auth/pair-request/${request.code}/status`);
        if (!r.ok) { clearInterval(poll); say("Pair request not found or expired."); return; }
        status = await r.json();
      } catch (e) { return; }  // a network hiccup: keep polling
      if (status.status === "approved" && status.pairingCode) {
        clearInterval(poll);
        await exchange(base, status.pairingCode);
      } else if (status.status === "denied") {
        clearInterval(poll); say("Pairing request was denied.");
      } else if (status.status === "expired" || status.status === "exchanged") {
        clearInterval(poll); say("Pair request expired. Please try again.");
      }
    }, interval);
  }

  async function unpair() {
    const token = setting("connectionToken");
    const base = httpBase(setting("wsRelayUrl"));
    if (token && base) {
      try {
        await fetch(`${base}/api/self-unpair`, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token }),
        });
      } catch (e) { /* the relay may be offline: forget the token anyway */ }
    }
    await setSetting("connectionToken", "");
    say("Unpaired from relay.");
  }

  async function setRelayUrl(url) {
    url = String(url || "").trim();
    if (httpBase(url) === null) { say("Invalid relay URL. Must start with ws:// or wss://"); return; }
    await setSetting("wsRelayUrl", url);
    say(`Relay URL set to ${url}`);
  }

  function renderPanel() {
    const box = document.createElement("section");
    box.id = "rest-api-connection";
    box.innerHTML = `
      <h3>REST API Connection</h3>
      <input type="text" id="rest-api-relay-url-input" placeholder="wss://foundryrestapi.com">
      <button type="button" id="rest-api-save-url">Edit URL</button>
      <input type="text" id="rest-api-pairing-code-input" maxlength="6" placeholder="ABC123">
      <button type="button" id="rest-api-enter-code">Enter Code</button>
      <button type="button" id="rest-api-browser-pair">Pair</button>
      <button type="button" id="rest-api-unpair">Unpair</button>
      <p id="rest-api-connection-status"></p>`;
    (document.getElementById("sidebar") || document.body).append(box);
    box.querySelector("#rest-api-relay-url-input").value = setting("wsRelayUrl");
    box.querySelector("#rest-api-save-url").addEventListener("click", () =>
      setRelayUrl(box.querySelector("#rest-api-relay-url-input").value));
    box.querySelector("#rest-api-enter-code").addEventListener("click", () =>
      pairWithCode(box.querySelector("#rest-api-pairing-code-input").value));
    box.querySelector("#rest-api-browser-pair").addEventListener("click", () => browserPair());
    box.querySelector("#rest-api-unpair").addEventListener("click", () => unpair());
    say(setting("connectionToken") ? `Paired (Client: ${setting("clientId")})` : "Not paired");
  }

  Object.assign(state, { pairWithCode, browserPair, unpair, setRelayUrl, errors: [] });

  Hooks.once("ready", () => {
    if (!game.user || !game.user.isGM) { state.status = "not-gm"; return; }
    renderPanel();
    if (game.user.role < 4) { state.status = "not-gm"; return; }
    if (PAGE.faults && PAGE.faults.moduleNeverConnects) { state.status = "disabled"; return; }
    setTimeout(start, (MODULE_CFG.connectDelay || 0) * 1000);
  });
})();
