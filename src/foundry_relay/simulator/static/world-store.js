/* The simulated module's world: the game documents of the page (from the simulator), looked up
 * by uuid, filtered by what a Foundry user may see (ownership levels), changed in memory.
 * Shared by the request handlers (world-api-*.js); the connection lives in module.js. */
(function () {
  "use strict";

  const PAGE = window.__page || JSON.parse(document.getElementById("page-data").textContent);
  const W = PAGE.documents || {};
  for (const key of ["actors", "items", "folders", "macros", "journal", "scenes", "combats",
                     "messages", "playlists", "tables", "cards"]) W[key] = W[key] || [];
  W.files = W.files || {};
  W.rolls = [];
  W.sounds = [];
  W.users = PAGE.users.map((u) => ({ ...u, isGM: u.role >= 3 }));
  const NONE = 0, LIMITED = 1, OBSERVER = 2, OWNER = 3;

  const COLLECTIONS = {
    Actor: W.actors, Item: W.items, Folder: W.folders, Macro: W.macros, JournalEntry: W.journal,
    Scene: W.scenes, Combat: W.combats, ChatMessage: W.messages, Playlist: W.playlists,
    RollTable: W.tables, Cards: W.cards,
  };
  const EMBEDDED = {
    Item: "items", ActiveEffect: "effects", Token: "tokens", Tile: "tiles", Drawing: "drawings",
    Wall: "walls", AmbientLight: "lights", AmbientSound: "sounds", Note: "notes",
    MeasuredTemplate: "templates", Combatant: "combatants", PlaylistSound: "sounds",
  };
  const CANVAS_TYPES = {
    tokens: "Token", tiles: "Tile", drawings: "Drawing", walls: "Wall", lights: "AmbientLight",
    sounds: "AmbientSound", notes: "Note", templates: "MeasuredTemplate",
  };

  function randomId() {
    const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let out = "";
    for (let i = 0; i < 16; i++) out += chars[Math.floor(Math.random() * chars.length)];
    return out;
  }

  function clone(value) { return value === undefined ? undefined : JSON.parse(JSON.stringify(value)); }

  /* A document by uuid ("Actor.x", "Actor.x.Item.y", "Scene.s.Token.t"), with its parent. */
  function locate(uuid) {
    if (typeof uuid !== "string" || !uuid) return null;
    const parts = uuid.split(".");
    if (parts.length % 2 !== 0) return null;
    let list = COLLECTIONS[parts[0]], doc = null, parent = null, top = null;
    for (let i = 0; i < parts.length; i += 2) {
      if (i > 0) {
        const field = EMBEDDED[parts[i]];
        list = field && doc ? doc[field] : null;
        parent = doc;
      }
      if (!Array.isArray(list)) return null;
      doc = list.find((d) => d._id === parts[i + 1]) || null;
      if (!doc) return null;
      if (i === 0) top = doc;
    }
    return { doc, list, parent, top };
  }
  function fromUuid(uuid) { const found = locate(uuid); return found ? found.doc : null; }

  function makeDoc(kind, data, parentUuid, keepId) {
    const id = keepId && typeof data._id === "string" && data._id ? data._id : randomId();
    const uuid = parentUuid ? `${parentUuid}.${kind}.${id}` : `${kind}.${id}`;
    return { ...clone(data), _id: id, id, uuid, documentType: kind };
  }

  /* ------------------------------------------------------------- users */
  function resolveUser(value) {
    if (!value) return null;
    const text = String(value);
    return W.users.find((u) => u.id === text)
      || W.users.find((u) => u.name.toLowerCase() === text.toLowerCase()) || null;
  }

  /* The request's user, or null for the GM's own rights; throws when userId names nobody. */
  function requestUser(msg) {
    if (!msg.userId) return null;
    const user = resolveUser(msg.userId);
    if (!user) { const e = new Error(`User not found: ${msg.userId}`); e.reply = { data: null }; throw e; }
    return user.isGM ? null : user;
  }

  /* A user's ownership level of a document (the GM, or no user: owner of everything). */
  function level(doc, user) {
    if (!user) return OWNER;
    if (!doc) return NONE;
    if (doc.documentType === "ChatMessage") {
      const visible = !doc.whisper || doc.whisper.length === 0 || doc.whisper.includes(user.id)
        || doc.author === user.id;
      return doc.author === user.id ? OWNER : visible ? OBSERVER : NONE;
    }
    let source = doc;
    if (doc.documentType === "Token" && doc.actorUuid) source = fromUuid(doc.actorUuid) || doc;
    else if (doc.uuid && doc.uuid.split(".").length > 2) {
      const top = locate(doc.uuid.split(".").slice(0, 2).join("."));
      source = top ? top.doc : doc;
    }
    if (source.documentType === "Folder" || source.documentType === "Combat") return OBSERVER;
    const own = source.ownership || {};
    return own[user.id] ?? own.default ?? NONE;
  }

  function canSee(doc, user) { return level(doc, user) >= LIMITED; }

  /* Full data for an observer or owner, the name and image for LIMITED, null for NONE. */
  function serialize(doc, user) {
    const lvl = level(doc, user);
    if (lvl >= OBSERVER) return clone(doc);
    if (lvl >= LIMITED) return { uuid: doc.uuid, name: doc.name, type: doc.documentType, img: doc.img || null };
    return null;
  }

  function assertOwner(doc, user, operation) {
    if (level(doc, user) < OWNER) {
      throw new Error(`User '${user.name}' does not have permission to ${operation} '${doc.name || doc.uuid}'`);
    }
  }

  function assertGM(user, operation) {
    if (user) throw new Error(`User '${user.name}' must be a GM to ${operation}`);
  }

  /* ---------------------------------------------------------- helpers */
  function getPath(obj, path) {
    return String(path).split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
  }
  function setPath(obj, path, value) {
    const keys = String(path).split(".");
    let o = obj;
    for (const k of keys.slice(0, -1)) { if (typeof o[k] !== "object" || o[k] === null) o[k] = {}; o = o[k]; }
    o[keys[keys.length - 1]] = value;
  }
  /* Foundry's update: nested objects merge, "a.b.c" keys set paths. */
  function applyUpdate(doc, changes) {
    for (const [key, value] of Object.entries(changes || {})) {
      if (["_id", "id", "uuid", "documentType"].includes(key)) continue;
      if (key.includes(".")) setPath(doc, key, clone(value));
      else if (value && typeof value === "object" && !Array.isArray(value)
               && doc[key] && typeof doc[key] === "object" && !Array.isArray(doc[key])) applyUpdate(doc[key], value);
      else doc[key] = clone(value);
    }
    return doc;
  }

  function sceneOf(msg) {
    if (msg.sceneId) {
      const scene = W.scenes.find((s) => s._id === msg.sceneId || s.name === msg.sceneId);
      if (!scene) throw new Error(`Scene not found: ${msg.sceneId}`);
      return scene;
    }
    const scene = W.scenes.find((s) => s.active);
    if (!scene) throw new Error("No active scene");
    return scene;
  }

  function actorOf(msg, user, { uuidKey = "actorUuid", nameKey = "actorName" } = {}) {
    let actor = null;
    if (msg[uuidKey]) {
      actor = fromUuid(msg[uuidKey]);
      if (actor && actor.documentType === "Token") actor = fromUuid(actor.actorUuid);
    } else if (msg[nameKey]) {
      actor = W.actors.find((a) => a.name.toLowerCase() === String(msg[nameKey]).toLowerCase());
    } else if (msg.selected) {
      actor = selectedActors()[0] || null;
    }
    if (!actor || actor.documentType !== "Actor" || !canSee(actor, user)) {
      throw new Error(`Actor not found: ${msg[uuidKey] || msg[nameKey] || "selected"}`);
    }
    return actor;
  }

  function itemOf(actor, msg, { uuidKey = "itemUuid", nameKey = "itemName" } = {}) {
    const item = msg[uuidKey] ? actor.items.find((i) => i.uuid === msg[uuidKey] || i._id === msg[uuidKey])
      : actor.items.find((i) => i.name.toLowerCase() === String(msg[nameKey] || "").toLowerCase());
    if (!item) throw new Error(`Item not found on ${actor.name}: ${msg[uuidKey] || msg[nameKey] || ""}`);
    return item;
  }

  /* Selected tokens of the active scene (the GM's canvas selection). */
  W.selected = W.scenes.length && W.scenes[0].tokens && W.scenes[0].tokens.length ? [W.scenes[0].tokens[0].uuid] : [];
  function selectedTokens() { return W.selected.map(fromUuid).filter(Boolean); }
  function selectedActors() { return selectedTokens().map((t) => fromUuid(t.actorUuid)).filter(Boolean); }

  /* Foundry's Hooks, as far as the module listens: handlers call hooks when the world changes. */
  const hookTable = {};
  let hookIds = 0;
  const hooks = {
    on(name, fn) { const id = ++hookIds; (hookTable[name] = hookTable[name] || []).push({ id, fn }); return id; },
    off(name, id) { hookTable[name] = (hookTable[name] || []).filter((h) => h.id !== id); },
    callAll(name, ...args) {
      for (const h of (hookTable[name] || []).slice()) {
        try { h.fn(...args); } catch (e) { console.error(`hook ${name} failed`, e); }
      }
    },
  };

  window.__world = {
    W, PAGE, hooks, NONE, LIMITED, OBSERVER, OWNER, COLLECTIONS, EMBEDDED, CANVAS_TYPES,
    randomId, clone, locate, fromUuid, makeDoc, resolveUser, requestUser, level, canSee,
    serialize, assertOwner, assertGM, getPath, setPath, applyUpdate, sceneOf, actorOf, itemOf,
    selectedTokens, selectedActors, handlers: {},
  };
})();
