/* Foundry simulator: page scripts for /auth, /setup, /join and /game.
 * Pages are rendered by script from the JSON in #page-data, as Foundry renders its own.
 * No page keeps a render loop running (no requestAnimationFrame loops, no animations). */
(function () {
  "use strict";

  const PAGE = JSON.parse(document.getElementById("page-data").textContent);
  const BASE = location.pathname.replace(/[^/]*$/, "");  // route prefix, ends with "/"

  /* Foundry's hook bus: Hooks.on / once / off / callAll. */
  const hooks = {};
  window.Hooks = {
    on(name, fn) { (hooks[name] = hooks[name] || []).push({ fn, once: false }); return fn; },
    once(name, fn) { (hooks[name] = hooks[name] || []).push({ fn, once: true }); return fn; },
    off(name, fn) { hooks[name] = (hooks[name] || []).filter((h) => h.fn !== fn); },
    callAll(name, ...args) {
      const list = hooks[name] || [];
      hooks[name] = list.filter((h) => !h.once);
      for (const h of list) {
        try { h.fn(...args); } catch (e) { console.error(`Hook ${name} failed`, e); }
      }
      return true;
    },
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function notify(message, kind) {
    let box = document.getElementById("notifications");
    if (!box) { box = el("ol", { id: "notifications" }); document.body.append(box); }
    box.append(el("li", { class: `notification ${kind || "info"}`, text: message }));
  }

  /* ---------------------------------------------------------------- /auth */
  function renderAuth() {
    const form = el("form", { id: "setup-authentication", method: "post", action: "auth" },
      el("h2", { text: "Administrator Access" }),
      el("input", { type: "hidden", name: "action", value: "adminAuth" }),
      el("input", { type: "password", name: "adminPassword", placeholder: "Administrator Password",
                    autocomplete: "current-password" }),
      el("button", { type: "submit", name: "submit", value: "adminAuth", text: "Submit" }));
    document.body.append(el("section", { id: "setup-auth" }, form));
    if (PAGE.error) notify(PAGE.error, "error");
  }

  /* --------------------------------------------------------------- /setup */
  async function waitForWorld(worldId) {
    for (;;) {
      const r = await fetch(BASE + "api/status", { credentials: "same-origin" });
      const s = await r.json();
      if (s.active && s.world === worldId) return;
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async function launchWorld(worldId) {
    notify(`Launching world ${worldId}`, "info");
    const r = await fetch(BASE + "setup", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: "launchWorld", world: worldId }),
    });
    if (!r.ok) { notify(`World launch failed (${r.status})`, "error"); return; }
    await waitForWorld(worldId);
    location.href = BASE + "join";
  }

  function renderSetup() {
    const list = el("ol", { id: "worlds-list", class: "package-list" });
    for (const w of PAGE.worlds) {
      const play = el("a", { class: "control play", dataset: { action: "worldLaunch" },
                             title: "Launch World", href: "#" }, "▶");
      play.addEventListener("click", (ev) => { ev.preventDefault(); launchWorld(w.id); });
      list.append(el("li", { class: "package world", dataset: { packageId: w.id } },
        el("h3", { class: "package-title", text: w.title }),
        el("span", { class: "package-system", text: w.system }),
        play));
    }
    document.body.append(el("main", { id: "setup-packages" },
      el("h1", { text: `Foundry Virtual Tabletop ${PAGE.version}` }),
      el("section", { id: "worlds", class: "tab active" }, list)));
  }

  /* ---------------------------------------------------------------- /join */
  async function submitJoin(form, ev) {
    ev.preventDefault();
    const body = { action: "join", password: form.elements.password.value };
    if (form.elements.userid) body.userid = form.elements.userid.value;
    if (form.elements.username) body.username = form.elements.username.value;
    const r = await fetch(BASE + "join", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (r.ok) {
      const data = await r.json();
      notify(data.message, "info");
      location.href = new URL(data.redirect, location.href).href;
    } else {
      notify(await r.text(), "error");
    }
  }

  function renderJoin() {
    const fields = [];
    if (PAGE.major >= 14) {
      fields.push(el("input", { type: "text", name: "username", placeholder: "User Name",
                                autocomplete: "username" }));
    } else {
      const select = el("select", { name: "userid" }, el("option", { value: "", text: "" }));
      for (const u of PAGE.users) {
        select.append(el("option", { value: u.id, text: u.name, disabled: u.active }));
      }
      fields.push(select);
    }
    const form = el("form", { id: "join-game-form", method: "post" },
      ...fields,
      el("input", { type: "password", name: "password", placeholder: "Password",
                    autocomplete: "current-password" }),
      el("button", { type: "submit", name: "join", value: "join", text: "Join Game Session" }));
    form.addEventListener("submit", (ev) => submitJoin(form, ev));
    document.body.append(el("section", { id: "join-game" },
      el("h1", { id: "world-title", text: PAGE.world.title }), form));
  }

  /* ---------------------------------------------------------------- /game */
  function clientSetting(ns, key) {
    const raw = localStorage.getItem(`${ns}.${key}`);
    if (raw === null) return undefined;
    try { return JSON.parse(raw); } catch (e) { return raw; }
  }

  function openGameSocket() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${proto}://${location.host}${BASE}socket`);
    window.__gameSocket = socket;
    // As Foundry's socket.io: a server that went away is retried every second; a server that
    // no longer knows this login (it restarted) sends the page back to /join.
    socket.addEventListener("close", (ev) => {
      if (ev.code === 4001) { location.href = `${BASE}join`; return; }
      setTimeout(() => { if (window.game) window.game.socket = openGameSocket(); }, 1000);
    });
    return socket;
  }

  function renderGame() {
    const user = PAGE.user;
    const MODULE = PAGE.module || { id: "foundry-rest-api", installed: false };
    const worldSettings = { ...(PAGE.worldSettings || {}) };
    const game = {
      ready: false,
      version: PAGE.version,
      release: { generation: PAGE.major },
      world: { id: PAGE.world.id, title: PAGE.world.title },
      system: { id: PAGE.system.id, title: PAGE.system.title, version: PAGE.system.version },
      userId: user.id,
      user: { id: user.id, name: user.name, role: user.role, isGM: user.role >= 3 },
      users: PAGE.users.map((u) => ({ ...u, isGM: u.role >= 3 })),
      settings: {
        /* World-scope settings come from the server (the world's database); everything else
         * is client scope, kept in this browser's localStorage. Like Foundry, a setting of a
         * module that is not installed is not registered. */
        get(ns, key) {
          const full = `${ns}.${key}`;
          if (ns === MODULE.id && !MODULE.installed) {
            throw new Error(`"${full}" is not a registered game setting`);
          }
          if (full in worldSettings) return worldSettings[full];
          const value = clientSetting(ns, key);
          return value === undefined && ns === MODULE.id ? "" : value;
        },
        async set(ns, key, value) {
          const full = `${ns}.${key}`;
          if (ns === MODULE.id && !MODULE.installed) {
            throw new Error(`"${full}" is not a registered game setting`);
          }
          if (full in worldSettings) {
            const r = await fetch(BASE + "api/settings", {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify({ key: full, value }),
            });
            if (!r.ok) throw new Error(`setting ${full} was refused (${r.status})`);
            worldSettings[full] = value;
          } else {
            localStorage.setItem(full, JSON.stringify(value));
          }
          Hooks.callAll("updateSetting", { key: full, value });
          return value;
        },
      },
      modules: {
        get(id) {
          return id === MODULE.id && MODULE.installed
            ? { id, title: "Foundry REST API", active: true } : undefined;
        },
      },
      socket: null,
    };
    window.game = game;
    Hooks.callAll("init");
    const noCanvas = clientSetting("core", "noCanvas") === true;
    const ui = [
      el("div", { id: "ui-left" }, el("aside", { id: "controls" })),
      el("aside", { id: "sidebar" }, el("nav", { id: "sidebar-tabs" }),
        el("section", { id: "chat" })),
    ];
    if (!noCanvas) {
      const board = el("canvas", { id: "board", width: 640, height: 360 });
      ui.unshift(board);
      const ctx = board.getContext("2d");
      if (ctx) { ctx.fillStyle = "#333"; ctx.fillRect(0, 0, 640, 360); }  // one frame, no loop
    }
    document.body.append(...ui);
    Hooks.callAll("setup");
    game.socket = openGameSocket();
    if (PAGE.faults && PAGE.faults.gameThrows) {
      throw new Error("Simulated failure before ready");
    }
    game.ready = true;
    Hooks.callAll("ready");
  }

  window.__page = PAGE;
  document.addEventListener("DOMContentLoaded", () => {
    ({ auth: renderAuth, setup: renderSetup, join: renderJoin, game: renderGame })[PAGE.view]();
  });
})();
