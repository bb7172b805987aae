/* The simulated module's document requests: entities, search, rolls, chat, macros, folders,
 * users and utilities, with the real module's reply shapes and its userId rules (a player sees
 * what they may observe and changes only what they own). */
(function () {
  "use strict";
  const S = window.__world, W = S.W, H = S.handlers;

  function summary(d) {
    return { documentType: d.documentType, uuid: d.uuid, id: d._id, name: d.name,
             subType: d.type || null, folder: d.folder || null, img: d.img || null };
  }

  function targets(msg, user, { actor = false } = {}) {
    if (msg.uuid) {
      const doc = S.fromUuid(msg.uuid);
      return doc && S.canSee(doc, user) ? [doc] : [];
    }
    if (msg.selected) return actor ? S.selectedActors() : S.selectedTokens();
    return [];
  }

  /* ----------------------------------------------------------- entities */
  H["entity"] = (msg, user) => {
    const docs = targets(msg, user, { actor: !!msg.actor });
    if (!docs.length) return { uuid: msg.uuid, error: "Entity not found", data: null };
    const data = docs.map((d) => S.serialize(d, user));
    return { uuid: msg.selected ? docs[docs.length - 1].uuid : docs[0].uuid,
             data: msg.selected ? data : data[0] };
  };
  H["create"] = (msg, user) => {
    const list = S.COLLECTIONS[msg.entityType];
    if (!list) return { error: `Invalid entity type: ${msg.entityType}`, message: "Failed to create entity" };
    S.assertGM(user, `create ${msg.entityType}`);
    const data = msg.data || {};
    if (typeof data.name !== "string" || !data.name) {
      return { error: `${msg.entityType} validation errors: name: may not be undefined`, message: "Failed to create entity" };
    }
    if (msg.keepId && data._id && list.some((d) => d._id === data._id)) {
      return { error: `The ${msg.entityType} id [${data._id}] already exists`, message: "Failed to create entity" };
    }
    const doc = S.makeDoc(msg.entityType, { ownership: { default: 0 }, ...data, folder: msg.folder || data.folder || null }, "", !!msg.keepId);
    if (msg.entityType === "Actor") { doc.items = doc.items || []; doc.effects = doc.effects || []; }
    list.push(doc);
    S.hooks.callAll(`create${msg.entityType}`, doc);
    return { uuid: doc.uuid, entity: S.clone(doc) };
  };
  H["update"] = (msg, user) => {
    const docs = targets(msg, user, { actor: !!msg.actor });
    if (!docs.length) return { uuid: msg.uuid, error: `Entity not found: ${msg.uuid}`, message: "Failed to update entity" };
    for (const d of docs) S.assertOwner(d, user, "update");
    for (const d of docs) S.applyUpdate(d, msg.data);
    for (const d of docs) S.hooks.callAll(`update${d.documentType}`, d, S.clone(msg.data || {}));
    return { uuid: msg.uuid, entity: docs.map(S.clone) };
  };
  H["delete"] = (msg, user) => {
    const found = msg.uuid ? S.locate(msg.uuid) : null;
    if (msg.uuid && !found) return { uuid: msg.uuid, success: true };  // already gone
    const docs = found ? [found.doc] : targets(msg, user);
    if (!docs.length) return { uuid: msg.uuid, error: "No entity to delete", message: "Failed to delete entity" };
    for (const d of docs) S.assertOwner(d, user, "delete");
    for (const d of docs) { const f = S.locate(d.uuid); f.list.splice(f.list.indexOf(d), 1); }
    return { uuid: msg.uuid, success: true };
  };
  function change(sign) {
    return (msg, user) => {
      if (!msg.uuid && !msg.selected) throw new Error("UUID or selected is required");
      if (typeof msg.amount !== "number") throw new Error("Amount must be a number");
      const docs = targets(msg, user, { actor: true });
      if (!docs.length) throw new Error("No entities found to modify");
      const results = docs.map((d) => {
        S.assertOwner(d, user, "modify");
        const old = S.getPath(d, msg.attribute);
        if (typeof old !== "number") throw new Error(`Attribute ${msg.attribute} is not a number, found: ${typeof old}`);
        S.setPath(d, msg.attribute, old + sign * msg.amount);
        return { uuid: d.uuid, attribute: msg.attribute, oldValue: old, newValue: old + sign * msg.amount };
      });
      return { results, success: true };
    };
  }
  H["increase"] = change(1);
  H["decrease"] = change(-1);
  H["give"] = (msg, user) => {
    const from = msg.fromUuid ? S.actorOf({ actorUuid: msg.fromUuid }, user) : null;
    const to = S.actorOf({ actorUuid: msg.toUuid, selected: !msg.toUuid && msg.selected }, user);
    let item;
    if (from) { S.assertOwner(from, user, "give items of"); item = S.itemOf(from, msg); }
    else {
      item = msg.itemUuid ? S.fromUuid(msg.itemUuid) : W.items.find((i) => i.name === msg.itemName);
      if (!item) throw new Error(`Item not found: ${msg.itemUuid || msg.itemName}`);
    }
    const quantity = msg.quantity ?? 1;
    const given = S.makeDoc("Item", { ...item, system: { ...(item.system || {}), quantity } }, to.uuid);
    delete given.folder;
    to.items.push(given);
    if (from) {
      const left = (item.system.quantity ?? 1) - quantity;
      if (left > 0) item.system.quantity = left; else from.items.splice(from.items.indexOf(item), 1);
    }
    return { success: true, fromUuid: msg.fromUuid || null, toUuid: to.uuid, itemUuid: given.uuid, quantity };
  };
  H["remove"] = (msg, user) => {
    const actor = S.actorOf(msg, user);
    S.assertOwner(actor, user, "remove items from");
    const item = S.itemOf(actor, msg);
    const quantity = msg.quantity ?? (item.system.quantity ?? 1);
    const left = (item.system.quantity ?? 1) - quantity;
    if (left > 0) item.system.quantity = left; else actor.items.splice(actor.items.indexOf(item), 1);
    return { success: true, actorUuid: actor.uuid, itemUuid: item.uuid, quantity, remaining: Math.max(left, 0) };
  };
  H["kill"] = (msg, user) => {
    const docs = targets(msg, user);
    if (!docs.length) throw new Error(msg.uuid ? `Entity not found: ${msg.uuid}` : "No entities found to mark as defeated");
    const results = docs.map((d) => {
      const actor = d.documentType === "Token" ? S.fromUuid(d.actorUuid) : d;
      if (!actor || actor.documentType !== "Actor") throw new Error(`Cannot mark entity type ${d.documentType} as defeated`);
      S.assertOwner(actor, user, "kill");
      S.setPath(actor, "system.attributes.hp.value", 0);
      if (!actor.effects.some((e) => (e.statuses || []).includes("dead"))) {
        actor.effects.push(S.makeDoc("ActiveEffect", { name: "Dead", statuses: ["dead"] }, actor.uuid));
      }
      for (const c of W.combats) for (const cb of c.combatants) if (cb.actorUuid === actor.uuid) cb.defeated = true;
      return { uuid: d.uuid, success: true, message: `${d.documentType} marked as defeated, HP set to 0, and dead effect applied` };
    });
    return { results };
  };

  /* ------------------------------------------------------------- search */
  H["search"] = (msg, user) => {
    const q = String(msg.query || "").toLowerCase();
    const rules = {};
    for (const part of String(msg.filter || "").split(",").filter(Boolean)) {
      const [k, v] = part.includes(":") ? part.split(":", 2) : ["documentType", part];
      rules[k.trim()] = v.trim();
    }
    const all = [...W.actors, ...W.items, ...W.macros, ...W.folders, ...W.journal, ...W.scenes, ...W.playlists];
    let results = all.filter((d) => !q || d.name.toLowerCase().includes(q))
      .filter((d) => !rules.documentType || d.documentType === rules.documentType)
      .filter((d) => !rules.subType && !rules.type || d.type === (rules.subType || rules.type))
      .filter((d) => !rules.folder || d.folder === rules.folder)
      .filter((d) => !msg.ownedByUserId || (d.ownership || {})[msg.ownedByUserId] === S.OWNER)
      .filter((d) => S.canSee(d, user));
    const total = results.length;
    if (Number.isInteger(msg.limit) && msg.limit >= 0) results = results.slice(0, msg.limit);
    return { query: msg.query || "", filter: msg.filter || null, totalResults: total,
             results: results.map(msg.minified ? (d) => ({ uuid: d.uuid, name: d.name }) : summary) };
  };

  /* -------------------------------------------------------------- rolls */
  function speakerOf(msg) { return msg.speaker ? { alias: String(msg.speaker) } : { alias: "Gamemaster" }; }
  function chatMessage(fields, author) {
    const doc = S.makeDoc("ChatMessage", { name: "", speaker: { alias: "Gamemaster" }, whisper: [],
                                          timestamp: Date.now(), author, type: "other", ...fields });
    doc.isRoll = !!(doc.rolls && doc.rolls.length);
    W.messages.push(doc);
    S.hooks.callAll("createChatMessage", doc);
    return doc;
  }
  function gmId() { const gm = W.users.find((u) => u.isGM); return gm ? gm.id : ""; }
  function recordRoll(roll, msg, user, extra = {}) {
    const entry = { id: S.randomId(), ...roll, flavor: msg.flavor || "", timestamp: Date.now(),
                    user: user ? user.id : gmId(), speaker: speakerOf(msg), ...extra };
    W.rolls.unshift(entry);
    if (msg.createChatMessage) {
      const whisper = (msg.whisper || []).map((w) => (S.resolveUser(w) || { id: String(w) }).id);
      entry.messageId = chatMessage({ content: `${roll.formula} = ${roll.total}`, flavor: msg.flavor || "",
        speaker: speakerOf(msg), whisper, rolls: [roll], type: "roll" }, entry.user)._id;
    }
    return entry;
  }
  H["roll"] = (msg, user) => {
    const roll = window.__evaluateRoll(msg.formula);
    const entry = recordRoll(roll, msg, user);
    return { success: true, data: { id: entry.id, chatMessageCreated: !!msg.createChatMessage,
                                     roll: { ...roll, flavor: entry.flavor, timestamp: entry.timestamp } } };
  };
  H["rolls"] = (msg) => {
    const limit = Number.isInteger(msg.limit) && msg.limit > 0 ? msg.limit : 20;
    return { data: W.rolls.slice(0, limit).map(S.clone) };
  };
  H["last-roll"] = () => ({ data: W.rolls.length ? S.clone(W.rolls[0]) : null });

  /* --------------------------------------------------------------- chat */
  H["chat-messages"] = (msg, user) => {
    let list = W.messages.filter((m) => S.canSee(m, user))
      .filter((m) => !msg.chatType || m.type === msg.chatType)
      .filter((m) => !msg.speaker || (m.speaker && m.speaker.alias === msg.speaker)).slice().reverse();
    const total = list.length;
    const offset = Number.isInteger(msg.offset) && msg.offset > 0 ? msg.offset : 0;
    const limit = Number.isInteger(msg.limit) && msg.limit > 0 ? msg.limit : 50;
    list = list.slice(offset, offset + limit);
    return { messages: list.map(S.clone), total, offset, limit };
  };
  H["chat-send"] = (msg, user) => {
    if (typeof msg.content !== "string" || !msg.content) throw new Error("content is required");
    const whisper = (msg.whisper || []).map((w) => {
      const u = S.resolveUser(w);
      if (!u) throw new Error(`Whisper target not found: ${w}`);
      return u.id;
    });
    const author = user ? user.id : gmId();
    const doc = chatMessage({ content: msg.content, flavor: msg.flavor || "",
      speaker: { alias: msg.alias || msg.speaker || (user ? user.name : "Gamemaster") }, whisper,
      type: msg.chatType || (whisper.length ? "whisper" : "ooc") }, author);
    return { success: true, message: S.clone(doc) };
  };
  H["chat-delete"] = (msg, user) => {
    const doc = W.messages.find((m) => m._id === msg.messageId);
    if (!doc || !S.canSee(doc, user)) throw new Error(`Message not found: ${msg.messageId}`);
    S.assertOwner(doc, user, "delete");
    W.messages.splice(W.messages.indexOf(doc), 1);
    S.hooks.callAll("deleteChatMessage", doc);
    return { success: true, messageId: msg.messageId };
  };
  H["chat-flush"] = (msg, user) => {
    S.assertGM(user, "flush the chat log");
    const deleted = W.messages.length;
    W.messages.length = 0;
    return { success: true, deleted };
  };

  /* ------------------------------------------------------------- macros */
  H["macros"] = (msg, user) => ({
    macros: W.macros.filter((m) => S.level(m, user) >= S.OBSERVER).map((m) => ({
      uuid: m.uuid, id: m._id, name: m.name, type: m.type, command: m.command || "",
      author: m.author || null, img: m.img || null, folder: m.folder || null })),
  });
  H["macro-execute"] = (msg, user) => {
    const m = S.fromUuid(msg.uuid);
    if (!m || m.documentType !== "Macro" || S.level(m, user) < S.OBSERVER) return { uuid: msg.uuid, error: "Macro not found" };
    // The simulator's own macros only; nothing from the request is executed.
    const known = { "Roll Initiative": () => 2, "Greet": (args) => "hello " + ((args && args.name) || "") };
    const fn = known[m.name] || (() => null);
    return { uuid: m.uuid, success: true, result: fn(msg.args || {}) };
  };

  /* ------------------------------------------------------------ folders */
  const TYPE_LISTS = { Actor: "actors", Item: "items", Macro: "macros", JournalEntry: "journal",
                       Scene: "scenes", Playlist: "playlists", RollTable: "tables", Cards: "cards" };
  function contents(folder, user) {
    const list = W[TYPE_LISTS[folder.type]] || [];
    return list.filter((d) => d.folder === folder._id && S.canSee(d, user)).map(summary);
  }
  function folderJson(f, user, withEntities) {
    const out = { id: f._id, uuid: f.uuid, name: f.name, type: f.type, parent: f.folder || null,
                  subfolders: W.folders.filter((c) => c.folder === f._id).map((c) => c.name) };
    if (withEntities) out.entities = contents(f, user);
    return out;
  }
  H["structure"] = (msg, user) => {
    const types = msg.types ? String(msg.types).split(",").map((t) => t.trim()).filter(Boolean) : null;
    let folders = W.folders.filter((f) => !types || types.includes(f.type));
    if (msg.path) {
      const root = W.folders.find((f) => f.name === msg.path || f.uuid === msg.path || f._id === msg.path);
      if (!root) throw new Error(`Folder not found: ${msg.path}`);
      folders = folders.filter((f) => f === root || (msg.recursive && f.folder === root._id));
    }
    const out = { folders: {} };
    for (const f of folders) out.folders[f.name] = folderJson(f, user, !!msg.includeEntityData);
    if (msg.includeEntityData) {
      out.entities = {};
      for (const [type, key] of Object.entries(TYPE_LISTS)) {
        if (types && !types.includes(type)) continue;
        out.entities[key] = W[key].filter((d) => S.canSee(d, user)).map(summary);
      }
    }
    return { data: out };
  };
  H["get-folder"] = (msg, user) => {
    const f = W.folders.find((x) => x.name === msg.name || x._id === msg.name);
    if (!f) throw new Error(`Folder not found: ${msg.name}`);
    return { data: { ...folderJson(f, user, true), contents: contents(f, user) } };
  };
  H["create-folder"] = (msg, user) => {
    S.assertGM(user, "create folders");
    if (!TYPE_LISTS[msg.folderType]) throw new Error(`Invalid folder type: ${msg.folderType}`);
    const doc = S.makeDoc("Folder", { name: msg.name, type: msg.folderType, folder: msg.parentFolderId || null, sorting: "a" });
    W.folders.push(doc);
    return { success: true, data: folderJson(doc, user, false) };
  };
  H["delete-folder"] = (msg, user) => {
    S.assertGM(user, "delete folders");
    const f = W.folders.find((x) => x._id === msg.folderId || x.uuid === msg.folderId);
    if (!f) throw new Error(`Folder not found: ${msg.folderId}`);
    const list = W[TYPE_LISTS[f.type]] || [];
    const inside = list.filter((d) => d.folder === f._id);
    for (const d of inside) { if (msg.deleteAll) list.splice(list.indexOf(d), 1); else d.folder = null; }
    W.folders.splice(W.folders.indexOf(f), 1);
    return { success: true, folderId: f._id, deletedEntities: msg.deleteAll ? inside.length : 0 };
  };

  /* --------------------------------------------------------------- users */
  function userJson(u) { return { id: u.id, name: u.name, role: u.role, isGM: u.isGM, active: !!u.active }; }
  function targetUser(msg) {
    const u = S.resolveUser(msg.id || msg.name);
    if (!u) throw new Error(`User not found: ${msg.id || msg.name}`);
    return u;
  }
  H["players"] = (msg, user) => ({ users: user ? [] : W.users.map(userJson) });
  H["get-users"] = (msg, user) => ({ users: W.users.filter((u) => !user || u.id === user.id).map(userJson) });
  H["get-user"] = (msg, user) => {
    const u = targetUser(msg);
    if (user && u.id !== user.id) throw new Error(`User '${user.name}' may not view user '${u.name}'`);
    return { user: userJson(u) };
  };
  H["create-user"] = (msg, user) => {
    S.assertGM(user, "create users");
    if (S.resolveUser(msg.name)) throw new Error(`A user named ${msg.name} already exists`);
    const u = { id: S.randomId(), name: msg.name, role: Number.isInteger(msg.role) ? msg.role : 1, active: false };
    u.isGM = u.role >= 3;
    W.users.push(u);
    return { success: true, user: userJson(u) };
  };
  H["update-user"] = (msg, user) => {
    const u = targetUser(msg);
    if (user && u.id !== user.id) throw new Error(`User '${user.name}' must be a GM to update other users`);
    const { role, ...rest } = msg.data || {};
    if (role !== undefined) { S.assertGM(user, "change roles"); u.role = role; u.isGM = role >= 3; }
    if (typeof rest.name === "string") u.name = rest.name;
    return { success: true, user: userJson(u) };
  };
  H["delete-user"] = (msg, user) => {
    S.assertGM(user, "delete users");
    const u = targetUser(msg);
    W.users.splice(W.users.indexOf(u), 1);
    return { success: true, userId: u.id };
  };

  /* ------------------------------------------------------------ utility */
  H["world-info"] = () => {
    const active = W.scenes.find((s) => s.active);
    return { data: {
      world: { id: game.world.id, title: game.world.title, description: "" },
      system: { id: game.system.id, title: game.system.title, version: game.system.version },
      foundryVersion: game.version, generation: game.release.generation,
      modules: [{ id: "foundry-rest-api", title: "Foundry REST API", active: true, version: "3.0.0" }],
      users: W.users.map(userJson),
      activeScene: active ? { id: active._id, uuid: active.uuid, name: active.name } : null,
      clientId: game.settings.get("foundry-rest-api", "clientId"), user: game.user.name } };
  };
  H["selected"] = () => ({ success: true,
    selected: S.selectedTokens().map((t) => ({ tokenUuid: t.uuid, actorUuid: t.actorUuid || null })) });
  H["select"] = (msg) => {
    const scene = S.sceneOf({});
    if (msg.overwrite) W.selected = [];
    const hits = new Set();
    for (const t of scene.tokens) {
      if (msg.all || (msg.uuids || []).includes(t.uuid)
          || (msg.name && t.name.toLowerCase() === String(msg.name).toLowerCase())
          // (the relay always sends a "data" object: an empty one filters nothing here)
          || (msg.data && Object.keys(msg.data).length
              && Object.entries(msg.data).every(([k, v]) => S.getPath(t, k) === v))) hits.add(t.uuid);
    }
    if (!hits.size) throw new Error("No matching entities found");
    for (const uuid of hits) if (!W.selected.includes(uuid)) W.selected.push(uuid);
    return { success: true, count: hits.size, message: `${hits.size} entities selected`, selected: [...hits] };
  };
  H["execute-js"] = async (msg) => {
    if (!msg.script || typeof msg.script !== "string") throw new Error("Invalid script provided");
    // As the module does: the relay lets only keys allowed to run code send this.
    const run = new Function(`return (async () => { ${msg.script} })();`);
    let result;
    try { result = await run(); } catch (e) { throw new Error(`Error executing script: ${e.message || e}`); }
    return { success: true, result };
  };
})();
