/* Simulated foundry-rest-api module: connects the game page to the relay's /relay WebSocket and
 * answers its requests from a small in-memory world. Mirrors the released module's observable
 * behaviour: first-frame auth, ping after auth-success and every pingInterval seconds,
 * player-list, close-code handling and reconnect backoff. */
(function () {
  "use strict";

  const NS = "foundry-rest-api";
  const PAGE = window.__page || JSON.parse(document.getElementById("page-data").textContent);
  const PING_INTERVAL_S = 30;
  const MAX_ATTEMPTS = 20;

  const state = {
    ws: null, status: "idle", attempts: 0, connects: 0, closes: [], received: [],
    dropped: false, stopped: false, reconnectTimer: null, pingTimer: null,
  };
  window.__module = state;

  /* ----------------------------------------------------------- world store */
  const docs = PAGE.documents || { actors: [], items: [], folders: [], macros: [] };
  const collections = { Actor: docs.actors, Item: docs.items, Folder: docs.folders,
                        Macro: docs.macros };

  function randomId() {
    const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let out = "";
    for (let i = 0; i < 16; i++) out += chars[Math.floor(Math.random() * chars.length)];
    return out;
  }

  function fromUuid(uuid) {
    if (typeof uuid !== "string") return null;
    const [kind, id] = uuid.split(".");
    const list = collections[kind];
    return list ? list.find((d) => d._id === id) || null : null;
  }

  function summary(d) {
    return { documentType: d.documentType, uuid: d.uuid, id: d._id, name: d.name,
             subType: d.type, folder: d.folder || null, img: d.img || null };
  }

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
  function worldInfo() {
    return { id: game.world.id, title: game.world.title, system: game.system.id,
             systemTitle: game.system.title, systemVersion: game.system.version,
             foundryVersion: game.version, generation: game.release.generation,
             users: game.users.length, clientId: PAGE.relay.clientId, user: game.user.name };
  }

  function resolveTarget(msg) {
    if (msg.uuid) return fromUuid(msg.uuid);
    if (msg.selected) return docs.actors[0] || null;  // the "selected token" of the sim
    return null;
  }

  const handlers = {
    "entity"(msg) {
      const d = resolveTarget(msg);
      if (!d) return { uuid: msg.uuid, error: "Entity not found", data: null };
      return { uuid: d.uuid, data: d };
    },
    "search"(msg) {
      const q = String(msg.query || "").toLowerCase();
      let filter = msg.filter ? String(msg.filter) : "";
      if (filter.includes(":")) filter = filter.split(":").pop();
      const all = [...docs.actors, ...docs.items, ...docs.macros, ...docs.folders];
      let results = all.filter((d) => !q || d.name.toLowerCase().includes(q))
        .filter((d) => !filter || d.documentType === filter || d.type === filter);
      if (Number.isInteger(msg.limit) && msg.limit >= 0) results = results.slice(0, msg.limit);
      return { query: msg.query || "", filter: msg.filter || null,
               results: results.map(msg.minified ? (d) => ({ uuid: d.uuid, name: d.name }) : summary) };
    },
    "roll"(msg) {
      const roll = evaluate(msg.formula);
      return { success: true, data: {
        id: randomId(), chatMessageCreated: !!msg.createChatMessage,
        roll: { ...roll, flavor: msg.flavor || "", timestamp: Date.now() } } };
    },
    "structure"(msg) {
      const folders = docs.folders.map((f) => ({ id: f._id, uuid: f.uuid, name: f.name,
                                                type: f.type, parent: f.folder || null }));
      const out = { folders };
      if (msg.includeEntityData) {
        out.entities = { actors: docs.actors.map(summary), items: docs.items.map(summary) };
      }
      return { data: out };
    },
    "create"(msg) {
      const list = collections[msg.entityType];
      if (!list) return { error: `Invalid entity type: ${msg.entityType}` };
      if (!msg.data || typeof msg.data.name !== "string" || !msg.data.name) {
        return { error: "data.name is required" };
      }
      const id = randomId();
      const doc = { ...msg.data, _id: id, id, uuid: `${msg.entityType}.${id}`,
                    documentType: msg.entityType, folder: msg.folder || msg.data.folder || null };
      list.push(doc);
      return { uuid: doc.uuid, entity: doc };
    },
    "update"(msg) {
      const d = resolveTarget(msg);
      if (!d) return { uuid: msg.uuid, error: `Entity not found: ${msg.uuid}` };
      const { _id, id, uuid, documentType, ...changes } = msg.data || {};
      Object.assign(d, changes);
      return { uuid: d.uuid, entity: d };
    },
    "delete"(msg) {
      const d = resolveTarget(msg);
      if (!d) return { uuid: msg.uuid, error: `Entity not found: ${msg.uuid}` };
      const list = collections[d.documentType];
      list.splice(list.indexOf(d), 1);
      return { uuid: d.uuid, success: true };
    },
    "macros"() {
      return { macros: docs.macros.map((m) => ({ uuid: m.uuid, id: m._id, name: m.name,
                                                 type: m.type })) };
    },
    "macro-execute"(msg) {
      const m = fromUuid(msg.uuid);
      if (!m || m.documentType !== "Macro") return { uuid: msg.uuid, error: "Macro not found" };
      // The simulator's own macros only; nothing from the request is executed.
      const known = { "Roll Initiative": () => 2,
                      "Greet": (args) => "hello " + ((args && args.name) || "") };
      const fn = known[m.name] || (() => null);
      return { uuid: m.uuid, success: true, result: fn(msg.args || {}) };
    },
    "world-info"() { return { data: worldInfo() }; },
    "players"() {
      return { users: game.users.map((u) => ({ id: u.id, name: u.name, role: u.role,
                                               isGM: u.isGM, active: !!u.active })) };
    },
  };

  function answer(msg) {
    const delay = (PAGE.faults && PAGE.faults.replyDelay) || 0;
    if (delay > 0) { setTimeout(() => respond(msg), delay * 1000); return; }
    respond(msg);
  }

  function respond(msg) {
    const handler = handlers[msg.type];
    let reply;
    if (!handler) reply = { error: `Unknown request type: ${msg.type}` };
    else {
      try { reply = handler(msg); } catch (e) { reply = { error: e.message || String(e) }; }
    }
    send({ type: `${msg.type}-result`, requestId: msg.requestId, ...reply });
  }

  /* ------------------------------------------------------------ connection */
  function setting(key) {
    const raw = localStorage.getItem(`${NS}.${key}`);
    if (raw === null) return undefined;
    try { return JSON.parse(raw); } catch (e) { return raw; }
  }

  function send(obj) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
  }

  function relayEndpoint() {
    let url = setting("wsRelayUrl") || (PAGE.relay && PAGE.relay.url);
    if (!url) return null;
    url = String(url).replace(/\/+$/, "");
    if (!/\/relay$/.test(url)) url += "/relay";
    const q = new URLSearchParams({
      id: PAGE.relay.clientId, worldId: game.world.id, worldTitle: game.world.title,
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

  function onOpen(token) {
    send({ type: "auth", token });
  }

  function onMessage(ev) {
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
      const dropAfter = PAGE.faults && PAGE.faults.moduleDropAfter;
      if (dropAfter > 0 && !state.dropped) {
        setTimeout(() => { state.dropped = true; state.ws.close(4000, "Simulated drop"); },
                   dropAfter * 1000);
      }
      return;
    }
    if (msg.type === "pong" || msg.type === "ping") return;  // never answer relay-sent pings
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
      localStorage.removeItem(`${NS}.connectionToken`);
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
    const stored = setting("connectionToken");
    const token = stored !== undefined && stored !== null && stored !== "" ? String(stored)
      : (PAGE.relay && PAGE.relay.token) || "";
    state.status = "connecting";
    state.connects += 1;
    let ws;
    try { ws = new WebSocket(endpoint); } catch (e) { onClose({ code: 1006, reason: String(e) }); return; }
    state.ws = ws;
    ws.addEventListener("open", () => onOpen(token));
    ws.addEventListener("message", onMessage);
    ws.addEventListener("close", onClose);
  }

  Hooks.once("ready", () => {
    if (!game.user || game.user.role < 4) { state.status = "not-gm"; return; }
    if (PAGE.faults && PAGE.faults.moduleNeverConnects) { state.status = "disabled"; return; }
    connect();
  });
})();
