/* The simulated module's table-top requests: encounters, scenes, the canvas, effects,
 * playlists, files, sheets and the D&D 5e actions, with the real module's reply shapes. */
(function () {
  "use strict";
  const S = window.__world, W = S.W, H = S.handlers;

  /* ---------------------------------------------------------- encounters */
  function encounterJson(c) {
    return { id: c._id, uuid: c.uuid, name: c.name, round: c.round, turn: c.turn, started: c.started,
             active: c.active, scene: c.scene,
             current: c.started && c.combatants[c.turn] ? c.combatants[c.turn]._id : null,
             combatants: c.combatants.map((b) => ({ id: b._id, name: b.name, tokenUuid: b.tokenUuid,
               actorUuid: b.actorUuid, initiative: b.initiative, defeated: b.defeated })) };
  }
  function encounterOf(msg) {
    const c = msg.encounter ? W.combats.find((x) => x._id === msg.encounter || x.uuid === msg.encounter)
      : W.combats.find((x) => x.active) || W.combats[0];
    if (!c) throw new Error(msg.encounter ? `Encounter not found: ${msg.encounter}` : "No active encounter");
    return c;
  }
  function rollInitiative(b) { b.initiative = 1 + Math.floor(Math.random() * 20); }
  function tokensFor(uuids) {
    return uuids.map((u) => S.fromUuid(u)).filter(Boolean).map((d) => d.documentType === "Actor"
      ? S.sceneOf({}).tokens.find((t) => t.actorUuid === d.uuid) : d).filter((t) => t && t.documentType === "Token");
  }
  function addCombatants(c, tokens, roll) {
    const added = [];
    for (const t of tokens) {
      if (c.combatants.some((b) => b.tokenUuid === t.uuid)) continue;
      const b = S.makeDoc("Combatant", { name: t.name, tokenId: t._id, tokenUuid: t.uuid, actorId: t.actorId,
                                         actorUuid: t.actorUuid, initiative: null, defeated: false }, c.uuid);
      if (roll) rollInitiative(b);
      c.combatants.push(b);
      added.push(b.tokenUuid);
    }
    return added;
  }
  H["encounters"] = () => ({ encounters: W.combats.map(encounterJson) });
  H["start-encounter"] = (msg, user) => {
    S.assertGM(user, "start encounters");
    const scene = S.sceneOf({});
    for (const c of W.combats) c.active = false;
    const c = S.makeDoc("Combat", { name: msg.name || "Encounter", scene: scene._id, round: 1, turn: 0, started: true, active: true, combatants: [] });
    let tokens = tokensFor(msg.tokens || []);
    if (msg.startWithSelected) tokens = tokens.concat(S.selectedTokens());
    if (msg.startWithPlayers) tokens = tokens.concat(scene.tokens.filter((t) => {
      const a = S.fromUuid(t.actorUuid); return a && a.type === "character"; }));
    addCombatants(c, tokens, false);
    for (const b of c.combatants) {
      const a = S.fromUuid(b.actorUuid);
      if (msg.rollAll || (msg.rollNPC && a && a.type === "npc")) rollInitiative(b);
    }
    W.combats.push(c);
    S.hooks.callAll("createCombat", c);
    S.hooks.callAll("combatStart", c);
    return { success: true, encounter: encounterJson(c) };
  };
  function step(fn) {
    return (msg, user) => {
      S.assertGM(user, "run encounters");
      const c = encounterOf(msg);
      const before = { turn: c.turn, round: c.round };
      fn(c);
      const changed = {};
      if (c.turn !== before.turn) changed.turn = c.turn;
      if (c.round !== before.round) changed.round = c.round;
      S.hooks.callAll("updateCombat", c, changed);
      return { success: true, encounter: encounterJson(c) };
    };
  }
  H["next-turn"] = step((c) => { c.started = true; c.round = Math.max(c.round, 1);
    if (c.turn + 1 >= c.combatants.length) { c.turn = 0; c.round += 1; } else c.turn += 1; });
  H["last-turn"] = step((c) => {
    if (c.turn > 0) c.turn -= 1; else if (c.round > 1) { c.round -= 1; c.turn = Math.max(c.combatants.length - 1, 0); } });
  H["next-round"] = step((c) => { c.started = true; c.round += 1; c.turn = 0; });
  H["last-round"] = step((c) => { if (c.round > 1) c.round -= 1; c.turn = 0; });
  H["end-encounter"] = (msg, user) => {
    S.assertGM(user, "end encounters");
    const c = encounterOf(msg);
    W.combats.splice(W.combats.indexOf(c), 1);
    S.hooks.callAll("deleteCombat", c);
    return { success: true, encounterId: c._id, message: "Encounter ended" };
  };
  H["add-to-encounter"] = (msg, user) => {
    S.assertGM(user, "change encounters");
    const c = encounterOf(msg);
    const tokens = msg.selected ? S.selectedTokens() : tokensFor(msg.uuids || []);
    if (!tokens.length) throw new Error("No tokens to add");
    return { success: true, added: addCombatants(c, tokens, !!msg.rollInitiative), encounter: encounterJson(c) };
  };
  H["remove-from-encounter"] = (msg, user) => {
    S.assertGM(user, "change encounters");
    const c = encounterOf(msg);
    const uuids = msg.selected ? S.selectedTokens().map((t) => t.uuid) : (msg.uuids || []);
    const gone = c.combatants.filter((b) => uuids.includes(b.tokenUuid) || uuids.includes(b.actorUuid));
    c.combatants = c.combatants.filter((b) => !gone.includes(b));
    c.turn = Math.min(c.turn, Math.max(c.combatants.length - 1, 0));
    return { success: true, removed: gone.map((b) => b.tokenUuid), encounter: encounterJson(c) };
  };

  /* -------------------------------------------------------------- scenes */
  function sceneJson(s) { return S.clone(s); }
  function findScene(msg) {
    const s = W.scenes.find((x) => x._id === msg.sceneId || x.uuid === msg.sceneId || (msg.name && x.name === msg.name));
    if (!s) throw new Error(`Scene not found: ${msg.sceneId || msg.name}`);
    return s;
  }
  H["get-scene"] = (msg, user) => {
    if (msg.all) return { data: W.scenes.filter((s) => S.canSee(s, user)).map(sceneJson) };
    const s = msg.sceneId || msg.name ? findScene(msg) : S.sceneOf({});
    if (!S.canSee(s, user)) throw new Error(`Scene not found: ${msg.sceneId || msg.name || "active"}`);
    return { data: sceneJson(s) };
  };
  H["create-scene"] = (msg, user) => {
    S.assertGM(user, "create scenes");
    if (!msg.data || !msg.data.name) throw new Error("Scene data with a name is required");
    const s = S.makeDoc("Scene", { active: false, width: 4000, height: 3000, grid: { size: 100 }, img: null,
      ownership: { default: 0 }, tokens: [], tiles: [], drawings: [], walls: [], lights: [], sounds: [],
      notes: [], templates: [], ...msg.data });
    W.scenes.push(s);
    return { success: true, data: sceneJson(s) };
  };
  H["update-scene"] = (msg, user) => {
    S.assertGM(user, "update scenes");
    const s = msg.sceneId || msg.name ? findScene(msg) : S.sceneOf({});
    S.applyUpdate(s, msg.data);
    if (msg.data && msg.data.active) for (const o of W.scenes) o.active = o === s;
    return { success: true, data: sceneJson(s) };
  };
  H["delete-scene"] = (msg, user) => {
    S.assertGM(user, "delete scenes");
    const s = findScene(msg);
    W.scenes.splice(W.scenes.indexOf(s), 1);
    return { success: true, sceneId: s._id };
  };
  H["switch-scene"] = (msg, user) => {
    S.assertGM(user, "activate scenes");
    const s = findScene(msg);
    for (const o of W.scenes) o.active = o === s;
    S.hooks.callAll("updateScene", s, { active: true });
    S.hooks.callAll("activateScene", s);
    return { success: true, data: { id: s._id, uuid: s.uuid, name: s.name, active: true } };
  };
  /* A real image of the scene drawn in the page: the background and a square per token. */
  function render(scene, { width, height, format, quality }) {
    const canvas = document.createElement("canvas");
    canvas.width = width || Math.round(scene.width / 10);
    canvas.height = height || Math.round(scene.height / 10);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#3b2f2f"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#d4a017";
    const sx = canvas.width / scene.width, sy = canvas.height / scene.height;
    for (const t of scene.tokens) ctx.fillRect(t.x * sx, t.y * sy, 100 * sx, 100 * sy);
    const mimeType = format === "jpeg" ? "image/jpeg" : "image/png";
    return { imageData: canvas.toDataURL(mimeType, quality ?? 0.9), mimeType, width: canvas.width, height: canvas.height };
  }
  H["scene-screenshot"] = (msg, user) => {
    const s = msg.sceneId ? findScene(msg) : S.sceneOf({});
    if (!S.canSee(s, user)) throw new Error(`Scene not found: ${msg.sceneId || "active"}`);
    return render(s, msg);
  };
  function fileUrl(path) {
    const f = W.files[path];
    return f ? `data:${f.mimeType};base64,${f.base64}` : null;
  }
  H["scene-raw-image"] = (msg, user) => {
    const s = msg.sceneId ? findScene(msg) : S.sceneOf({});
    if (!S.canSee(s, user)) throw new Error(`Scene not found: ${msg.sceneId || "active"}`);
    if (!s.img) throw new Error(`Scene '${s.name}' has no background image`);
    const url = fileUrl(s.img);
    const data = { sceneId: s._id, sceneName: s.name, src: s.img };
    if (url) { data.imageData = url; data.mimeType = W.files[s.img].mimeType; }
    return { data };
  };

  /* -------------------------------------------------------------- canvas */
  function canvasList(msg) {
    const field = S.CANVAS_TYPES[msg.documentType] ? msg.documentType
      : Object.keys(S.CANVAS_TYPES).find((k) => S.CANVAS_TYPES[k] === msg.documentType);
    if (!field) throw new Error(`Invalid canvas document type: ${msg.documentType}`);
    const scene = S.sceneOf(msg);
    return { scene, field, kind: S.CANVAS_TYPES[field], list: scene[field] };
  }
  function canvasDoc(msg) {
    const found = canvasList(msg);
    const doc = found.list.find((d) => d._id === msg.documentId || d.uuid === msg.documentId);
    if (!doc) throw new Error(`${found.kind} not found: ${msg.documentId}`);
    return { ...found, doc };
  }
  H["get-canvas-documents"] = (msg, user) => {
    const { list } = canvasList(msg);
    const visible = list.filter((d) => d.documentType !== "Token" || !d.hidden || !user);
    if (msg.documentId) {
      const doc = visible.find((d) => d._id === msg.documentId);
      if (!doc) throw new Error(`Document not found: ${msg.documentId}`);
      return { data: S.clone(doc) };
    }
    return { data: visible.map(S.clone) };
  };
  H["create-canvas-document"] = (msg, user) => {
    S.assertGM(user, "create canvas documents");
    const { scene, kind, list } = canvasList(msg);
    const created = (Array.isArray(msg.data) ? msg.data : [msg.data]).map((d) => {
      const doc = S.makeDoc(kind, { name: d.name || kind, x: 0, y: 0, ...d }, scene.uuid);
      list.push(doc);
      return S.clone(doc);
    });
    return { success: true, data: created };
  };
  H["update-canvas-document"] = (msg, user) => {
    const { doc } = canvasDoc(msg);
    if (user) S.assertOwner(doc, user, "update");
    S.applyUpdate(doc, msg.data);
    return { success: true, data: S.clone(doc) };
  };
  H["delete-canvas-document"] = (msg, user) => {
    S.assertGM(user, "delete canvas documents");
    const { list, doc } = canvasDoc(msg);
    list.splice(list.indexOf(doc), 1);
    return { success: true, documentId: doc._id };
  };
  function tokenOf(msg, prefix, user) {
    const uuid = msg[prefix + "Uuid"] ?? (prefix ? undefined : msg.uuid);
    const name = msg[prefix + "Name"] ?? (prefix ? undefined : msg.name);
    const scene = S.sceneOf(msg);
    const t = uuid ? scene.tokens.find((x) => x.uuid === uuid || x.actorUuid === uuid)
      : scene.tokens.find((x) => x.name.toLowerCase() === String(name || "").toLowerCase());
    if (!t || !S.canSee(t, user)) throw new Error(`Token not found: ${uuid || name}`);
    return t;
  }
  H["move-token"] = (msg, user) => {
    const t = tokenOf(msg, "", user);
    S.assertOwner(t, user, "move");
    const path = (msg.waypoints || []).concat([{ x: msg.x, y: msg.y }]);
    t.x = msg.x; t.y = msg.y;
    S.hooks.callAll("updateToken", t, { x: t.x, y: t.y });
    return { success: true, data: { uuid: t.uuid, name: t.name, x: t.x, y: t.y, waypoints: path.length - 1 } };
  };
  H["measure-distance"] = (msg, user) => {
    const scene = S.sceneOf(msg);
    const point = (prefix) => {
      if (msg[prefix + "X"] !== undefined && msg[prefix + "Y"] !== undefined) return { x: msg[prefix + "X"], y: msg[prefix + "Y"] };
      const t = tokenOf(msg, prefix, user);
      return { x: t.x, y: t.y };
    };
    const a = point("origin"), b = point("target");
    const size = (scene.grid && scene.grid.size) || 100;
    const spaces = Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y)) / size;
    return { success: true, distance: spaces * 5, units: "ft", gridSpaces: spaces, origin: a, target: b };
  };

  /* ------------------------------------------------------------- effects */
  function effectHolder(msg, user) {
    let doc = S.fromUuid(msg.uuid);
    if (doc && doc.documentType === "Token") doc = S.fromUuid(doc.actorUuid);
    if (!doc || doc.documentType !== "Actor" || !S.canSee(doc, user)) throw new Error(`Entity not found: ${msg.uuid}`);
    return doc;
  }
  H["get-effects"] = (msg, user) => {
    const actor = effectHolder(msg, user);
    return { uuid: actor.uuid, effects: S.level(actor, user) >= S.OBSERVER ? actor.effects.map(S.clone) : [] };
  };
  H["get-status-effects"] = () => ({ statusEffects: S.clone(W.statusEffects || []) });
  H["add-effect"] = (msg, user) => {
    const actor = effectHolder(msg, user);
    S.assertOwner(actor, user, "add effects to");
    let data;
    if (msg.statusId) {
      const status = (W.statusEffects || []).find((s) => s.id === msg.statusId);
      if (!status) throw new Error(`Status effect not found: ${msg.statusId}`);
      data = { name: status.name, img: status.img, statuses: [status.id] };
    } else if (msg.effectData && typeof msg.effectData === "object") {
      data = { name: "Effect", statuses: [], ...msg.effectData };
    } else throw new Error("statusId or effectData is required");
    const effect = S.makeDoc("ActiveEffect", data, actor.uuid);
    actor.effects.push(effect);
    return { success: true, uuid: actor.uuid, effect: S.clone(effect) };
  };
  H["remove-effect"] = (msg, user) => {
    const actor = effectHolder(msg, user);
    S.assertOwner(actor, user, "remove effects from");
    const gone = actor.effects.filter((e) => e._id === msg.effectId || (msg.statusId && (e.statuses || []).includes(msg.statusId)));
    if (!gone.length) throw new Error(`Effect not found: ${msg.effectId || msg.statusId}`);
    actor.effects = actor.effects.filter((e) => !gone.includes(e));
    return { success: true, uuid: actor.uuid, removed: gone.map((e) => e._id) };
  };

  /* ----------------------------------------------------------- playlists */
  function playlistOf(msg, user) {
    const p = W.playlists.find((x) => x._id === msg.playlistId || (msg.playlistName && x.name === msg.playlistName));
    if (!p || !S.canSee(p, user)) throw new Error(`Playlist not found: ${msg.playlistId || msg.playlistName}`);
    return p;
  }
  function soundOf(p, msg) {
    if (!msg.soundId && !msg.soundName) return null;
    const s = p.sounds.find((x) => x._id === msg.soundId || (msg.soundName && x.name === msg.soundName));
    if (!s) throw new Error(`Sound not found: ${msg.soundId || msg.soundName}`);
    return s;
  }
  function control(fn) {
    return (msg, user) => {
      S.assertGM(user, "control playlists");
      const p = playlistOf(msg, user);
      const result = fn(p, soundOf(p, msg), msg) || {};
      return { success: true, playlist: S.clone(p), ...result };
    };
  }
  H["get-playlists"] = (msg, user) => ({ playlists: W.playlists.filter((p) => S.canSee(p, user)).map(S.clone) });
  H["playlist-play"] = control((p, s) => { p.playing = true; for (const x of p.sounds) x.playing = s ? x === s : true; });
  H["playlist-stop"] = control((p) => { p.playing = false; for (const x of p.sounds) x.playing = false; });
  H["playlist-next"] = control((p) => {
    const i = p.sounds.findIndex((x) => x.playing);
    for (const x of p.sounds) x.playing = false;
    const next = p.sounds[(i + 1) % p.sounds.length];
    if (next) { next.playing = true; p.playing = true; }
    return { nowPlaying: next ? next.name : null };
  });
  H["playlist-volume"] = control((p, s, msg) => {
    if (msg.volume < 0 || msg.volume > 1) throw new Error("Volume must be between 0 and 1");
    for (const x of s ? [s] : p.sounds) x.volume = msg.volume;
  });
  H["play-sound"] = (msg, user) => {
    S.assertGM(user, "play sounds");
    const sound = { src: msg.src, volume: msg.volume ?? 0.8, loop: !!msg.loop, id: S.randomId() };
    W.sounds.push(sound);
    return { success: true, sound };
  };
  H["stop-sound"] = (msg, user) => {
    S.assertGM(user, "stop sounds");
    const stopped = W.sounds.filter((s) => !msg.src || s.src === msg.src);
    W.sounds = W.sounds.filter((s) => !stopped.includes(s));
    return { success: true, stopped: stopped.length };
  };

  /* ---------------------------------------------------------- file system */
  H["file-system"] = (msg, user) => {
    if (user && user.role < 2) throw new Error(`User '${user.name}' does not have 'FILES_BROWSE' permission required to browse the file system`);
    const base = String(msg.path || "").replace(/^\/+|\/+$/g, "");
    const prefix = base ? base + "/" : "";
    const results = new Map();
    for (const path of Object.keys(W.files)) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length).split("/");
      const dir = prefix + rest[0];
      if (rest.length > 1) results.set(dir, { name: rest[0], path: dir, type: "directory" });
      if (rest.length === 1 || msg.recursive) results.set(path, { name: path.split("/").pop(), path, type: "file" });
    }
    return { success: true, path: base, source: msg.source || "data", results: [...results.values()], recursive: !!msg.recursive };
  };
  H["download-file"] = (msg, user) => {
    if (!msg.path) throw new Error("Missing required parameter (path)");
    if (user && user.role < 2) throw new Error(`User '${user.name}' does not have 'FILES_BROWSE' permission required to download files`);
    const path = String(msg.path).replace(/^\/+/, "");
    const f = W.files[path];
    if (!f) throw new Error(`Failed to download file: 404 Not Found`);
    return { success: true, path, fileData: fileUrl(path), filename: path.split("/").pop(), mimeType: f.mimeType };
  };
  H["upload-file"] = (msg, user) => {
    if (user && user.role < 3) throw new Error(`User '${user.name}' does not have 'FILES_UPLOAD' permission required to upload files`);
    if (!msg.path || !msg.filename) throw new Error("Missing required parameters (path, filename)");
    const m = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/.exec(String(msg.fileData || ""));
    if (!m || !m[2]) throw new Error("Invalid file data format: must be data URL with base64 content");
    const path = `${String(msg.path).replace(/^\/+|\/+$/g, "")}/${msg.filename}`;
    if (W.files[path] && !msg.overwrite) throw new Error("File already exists. Set overwrite to true to replace it.");
    W.files[path] = { mimeType: msg.mimeType || m[1] || "application/octet-stream", base64: m[2] };
    return { success: true, path };
  };

  /* --------------------------------------------------------------- sheets */
  H["sheet-screenshot"] = (msg, user) => {
    const doc = msg.uuid ? S.fromUuid(msg.uuid) : S.selectedActors()[0];
    if (!doc || S.level(doc, user) < S.OBSERVER) throw new Error(`Entity not found: ${msg.uuid || "selected"}`);
    const scale = msg.scale || 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(300 * scale); canvas.height = Math.round(200 * scale);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#f4ecd8"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#222"; ctx.font = `${Math.round(20 * scale)}px serif`; ctx.fillText(doc.name, 10, 30 * scale);
    const mimeType = msg.format === "jpeg" ? "image/jpeg" : "image/png";
    return { imageData: canvas.toDataURL(mimeType, msg.quality ?? 0.9), mimeType, width: canvas.width, height: canvas.height, uuid: doc.uuid };
  };
})();
