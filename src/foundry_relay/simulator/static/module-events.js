/* The simulated module's event channels and world-to-world requests, as the real module's
 * eventChannels.ts and remoteRequest.ts: the relay switches a channel on with
 * {"type":"event-subscription-update","channel","count"} (count > 0) and off (count 0); only
 * then do the world's hooks become event frames. module.api.remoteRequest(target, action,
 * payload) sends a remote-request and resolves with the remote-response. */
(() => {
  const S = window.__world;
  const M = window.__module;
  const active = new Set();
  M.channels = active;
  const CHANNELS = ["chat-events", "roll-events", "hooks", "combat-events", "actor-events", "scene-events"];
  const FORWARDED_HOOKS = [
    "createActor", "updateActor", "deleteActor", "createItem", "updateItem", "deleteItem",
    "createToken", "updateToken", "deleteToken", "createCombat", "updateCombat", "deleteCombat",
    "createScene", "updateScene", "deleteScene", "combatStart", "combatTurn", "combatRound",
  ];
  const on = (channel) => active.has(channel);
  const plain = (v) => (v === null || v === undefined || typeof v !== "object" ? v : S.clone(v));
  const gm = () => S.W.users.find((u) => u.isGM) || { id: "", name: "Gamemaster" };
  const author = (m) => S.W.users.find((u) => u.id === m.author) || gm();

  function chatJson(m) {
    const a = author(m);
    return {
      id: m._id, uuid: m.uuid, content: m.content, speaker: m.speaker, timestamp: m.timestamp,
      whisper: m.whisper || [], type: m.type, author: { id: a.id, name: a.name },
      flavor: m.flavor || "", isRoll: !!m.isRoll,
      rolls: (m.rolls || []).map((r) => ({ formula: r.formula, total: r.total, isCritical: !!r.isCritical,
        isFumble: !!r.isFumble, dice: (r.dice || []).map((d) => ({ faces: d.faces,
          results: (d.results || []).map((x) => ({ result: x.result, active: x.active })) })) })),
      flags: m.flags || {},
    };
  }

  S.hooks.on("createChatMessage", (m) => {
    if (on("roll-events") && m.isRoll) {
      const r = m.rolls[0];
      const a = author(m);
      M.send({ type: "roll-data", data: { id: m._id, messageId: m._id, user: { id: a.id, name: a.name },
        speaker: m.speaker, flavor: m.flavor || "", rollTotal: r.total, formula: r.formula,
        isCritical: !!r.isCritical, isFumble: !!r.isFumble,
        dice: (r.dice || []).map((d) => ({ faces: d.faces, results: d.results.map((x) => ({ result: x.result, active: x.active })) })),
        timestamp: Date.now() } });
    }
    if (on("chat-events")) M.send({ type: "chat-event", data: { eventType: "create", data: chatJson(m) } });
  });
  S.hooks.on("deleteChatMessage", (m) => {
    if (on("chat-events")) M.send({ type: "chat-event", data: { eventType: "delete", data: { id: m._id } } });
  });
  for (const name of FORWARDED_HOOKS) {
    S.hooks.on(name, (...args) => {
      if (on("hooks")) M.send({ type: "hook-event", data: { hook: name, args: args.map(plain) } });
    });
  }
  const turns = (c) => c.combatants.map((b) => ({ id: b._id, name: b.name, initiative: b.initiative ?? null,
                                                  defeated: !!b.defeated, uuid: b.uuid }));
  const combat = (eventType, c) => ({ type: "combat-event", data: { eventType, encounterId: c._id,
    round: c.round, turn: c.turn, started: !!c.started, combatants: turns(c) } });
  S.hooks.on("combatStart", (c) => { if (on("combat-events")) M.send(combat("start", c)); });
  S.hooks.on("updateCombat", (c, changed) => {
    if (!on("combat-events") || (!("turn" in changed) && !("round" in changed)) || "started" in changed) return;
    M.send(combat("turn", c));
  });
  S.hooks.on("deleteCombat", (c) => {
    if (on("combat-events")) M.send({ type: "combat-event", data: { eventType: "end", encounterId: c._id, round: c.round } });
  });
  S.hooks.on("updateActor", (a, changes) => {
    if (on("actor-events")) M.send({ type: "actor-event", data: { actorUuid: a.uuid, eventType: "update", changes: plain(changes) } });
  });
  const sceneOfToken = (t) => { const f = S.locate(t.uuid); return f && f.top ? f.top : null; };
  S.hooks.on("updateToken", (t, changes) => {
    const scene = sceneOfToken(t);
    if (on("scene-events") && scene) M.send({ type: "scene-event", data: { sceneId: scene._id, eventType: "token-update", tokenId: t._id, changes: plain(changes) } });
  });
  S.hooks.on("activateScene", (s) => {
    if (on("scene-events")) M.send({ type: "scene-event", data: { sceneId: s._id, eventType: "scene-activate", name: s.name } });
  });

  /* ------------------------------------------------------- remote requests */
  const pending = new Map();
  let seq = 0;
  function remoteRequest(targetClientId, action, payload = {}, opts = {}) {
    return new Promise((resolve, reject) => {
      if (!M.ws || M.status !== "connected") { reject(new Error("Not connected to the relay")); return; }
      const requestId = `rr_${Date.now()}_${++seq}_${action}`;
      const timer = setTimeout(() => { pending.delete(requestId); reject(new Error(`remote-request timed out after ${opts.timeoutMs || 60000}ms`)); }, opts.timeoutMs || 60000);
      pending.set(requestId, { resolve, reject, timer });
      M.send({ type: "remote-request", requestId, targetClientId, action, payload,
               autoStartIfOffline: opts.autoStartIfOffline ?? true });
    });
  }

  window.__moduleEvents = {
    subscription(msg) {
      if (!CHANNELS.includes(msg.channel)) return;
      if (msg.count > 0) active.add(msg.channel); else active.delete(msg.channel);
    },
    remoteResponse(msg) {
      const p = pending.get(msg.requestId);
      if (!p) return;
      pending.delete(msg.requestId);
      clearTimeout(p.timer);
      if (msg.success === false) p.reject(new Error(msg.error || "remote-request failed"));
      else p.resolve(msg.data ?? null);
    },
  };
  window.__moduleApi = { remoteRequest };
})();
