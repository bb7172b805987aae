// The relay's dashboard: plain JavaScript over the relay's own JSON API. The API key lives in
// this tab's sessionStorage only and is sent to this relay only (same origin).
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const SCOPES = JSON.parse($("scopes").textContent);
  const KEY_SLOT = "foundry-relay-key";
  const state = { key: sessionStorage.getItem(KEY_SLOT) || "", selected: null, shot: null };

  async function api(method, path, body) {
    const headers = { "x-api-key": state.key };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = r.headers.get("content-type") || "";
    const data = type.includes("json") ? await r.json() : await r.blob();
    if (!r.ok) {
      const error = new Error((data && data.error) || `HTTP ${r.status}`);
      error.status = r.status;
      throw error;
    }
    return data;
  }

  function el(tag, props = {}, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    for (const child of children) node.append(child);
    return node;
  }

  function when(ms) {
    return ms ? new Date(ms).toLocaleTimeString() : "";
  }

  // -- log in ----------------------------------------------------------------------------------

  async function logIn(key) {
    state.key = key;
    let me;
    try {
      me = await api("GET", "/auth/api-keys");
    } catch (e) {
      state.key = "";
      sessionStorage.removeItem(KEY_SLOT);
      $("login-error").textContent = e.status === 401 ? "That key is not valid." : e.message;
      return;
    }
    sessionStorage.setItem(KEY_SLOT, key);
    const admin = me.keys.length > 1 || (me.keys[0] && me.keys[0].admin);
    $("who").textContent = admin
      ? "Logged in with an admin key."
      : "Logged in with a key that is not an admin key: you see only its own things.";
    $("login").hidden = true;
    $("app").hidden = false;
    $("nav").hidden = false;
    renderKeys(me.keys);
    await Promise.all([refreshWorlds(), refreshSessions()]);
    setInterval(refreshSessions, 2000);
    setInterval(refreshWorlds, 5000);
    setInterval(refreshShot, 3000);
  }

  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    logIn($("login-key").value.trim());
  });
  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_SLOT);
    location.reload();
  });

  // -- keys ------------------------------------------------------------------------------------

  function renderKeys(keys) {
    const rows = $("key-rows");
    rows.replaceChildren();
    for (const k of keys) {
      const status = k.revoked ? "revoked" : !k.enabled ? "disabled" : k.isExpired ? "expired"
        : k.admin ? "admin" : "active";
      const scopes = k.scopes.length === SCOPES.length ? "all"
        : k.scopes.length === SCOPES.length - 1 && !k.scopes.includes("execute-js")
          ? "all but execute-js" : k.scopes.join(", ");
      const actions = el("td");
      if (!k.revoked && !k.admin) {
        const revoke = el("button", { type: "button", className: "danger",
          textContent: "Revoke" });
        revoke.setAttribute("aria-label", `Revoke key ${k.name}`);
        revoke.addEventListener("click", () => revokeKey(k));
        actions.append(revoke);
      }
      rows.append(el("tr", {},
        el("td", {}, el("strong", { textContent: k.name }), el("br"),
          el("span", { className: "id", textContent: k.id })),
        el("td", { textContent: scopes }), el("td", { textContent: status }), actions));
    }
  }

  async function refreshKeys() {
    renderKeys((await api("GET", "/auth/api-keys")).keys);
  }

  async function revokeKey(k) {
    try {
      await api("DELETE", `/auth/api-keys/${encodeURIComponent(k.id)}`);
      await refreshKeys();
    } catch (e) {
      $("key-error").textContent = e.message;
    }
  }

  for (const scope of SCOPES) {
    const box = el("input", { type: "checkbox", name: "scope", value: scope,
      id: `scope-${scope}` });
    $("scope-boxes").append(el("label", { htmlFor: box.id }, box, scope));
  }

  $("key-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("key-error").textContent = "";
    const scopes = [...document.querySelectorAll("input[name=scope]:checked")].map((b) => b.value);
    if (!scopes.length) { $("key-error").textContent = "Choose at least one scope."; return; }
    try {
      const made = await api("POST", "/auth/api-keys", { name: $("key-name").value.trim(), scopes });
      $("new-key-name").textContent = made.name;
      $("new-key-secret").textContent = made.key;
      $("new-key").hidden = false;
      ev.target.reset();
      await refreshKeys();
    } catch (e) {
      $("key-error").textContent = e.message;
    }
  });

  // -- worlds ----------------------------------------------------------------------------------

  async function refreshWorlds() {
    let body;
    try { body = await api("GET", "/clients"); } catch (e) { return; }
    const rows = $("world-rows");
    rows.replaceChildren();
    for (const c of body.clients) {
      const status = el("td", { textContent: c.isOnline ? "online" : "offline",
        className: c.isOnline ? "online" : "muted" });
      rows.append(el("tr", {},
        el("td", { textContent: c.customName || c.worldTitle || c.clientId }),
        el("td", { className: "id", textContent: c.clientId }), status));
    }
    if (!body.clients.length) {
      rows.append(el("tr", {}, el("td", { colSpan: 3, className: "muted",
        textContent: "No world has connected with this key yet." })));
    }
  }

  // -- pairing ---------------------------------------------------------------------------------

  let pairCode = null;
  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("pair-result").textContent = "";
    pairCode = $("pair-code").value.trim().toUpperCase();
    try {
      const r = await api("GET", `/auth/pair-request/${encodeURIComponent(pairCode)}`);
      $("pair-world").textContent = r.worldTitle || r.worldId;
      $("pair-world-id").textContent = r.worldId;
      $("pair-system").textContent = [r.systemTitle || r.systemId, r.systemVersion]
        .filter(Boolean).join(" ");
      $("pair-detail").hidden = false;
      $("pair-approve").focus();
    } catch (e) {
      $("pair-detail").hidden = true;
      $("pair-result").textContent = e.message;
    }
  });

  async function decide(action) {
    try {
      await api("POST", `/auth/pair-request/${encodeURIComponent(pairCode)}/${action}`, {});
      $("pair-result").textContent = action === "approve"
        ? "Approved: the world connects in a few seconds." : "Denied.";
      $("pair-detail").hidden = true;
      setTimeout(refreshWorlds, 1500);
    } catch (e) {
      $("pair-result").textContent = e.message;
    }
  }
  $("pair-approve").addEventListener("click", () => decide("approve"));
  $("pair-deny").addEventListener("click", () => decide("deny"));

  // -- sessions --------------------------------------------------------------------------------

  async function refreshSessions() {
    let body;
    try { body = await api("GET", "/session"); } catch (e) { return; }
    const list = $("session-list");
    list.replaceChildren();
    const all = [
      ...body.activeSessions.map((s) => ({ ...s, state: "active" })),
      ...body.pendingSessions.map((s) => ({ ...s, state: `launching: ${s.stage}` })),
    ];
    for (const s of all) {
      const open = el("button", { type: "button", className: "secondary", textContent: "Open" });
      open.setAttribute("aria-label", `Open session ${s.sessionId}`);
      open.addEventListener("click", () => select(s.sessionId));
      const item = el("li", {},
        el("strong", { textContent: s.worldTitle || s.worldName || s.foundryUrl }), el("br"),
        el("span", { className: "id", textContent: s.sessionId }), el("br"),
        `${s.state} · ${s.username} · since ${when(s.startedAt)}`, el("br"), open);
      if (s.sessionId === state.selected) item.setAttribute("aria-current", "true");
      list.append(item);
    }
    $("no-sessions").hidden = all.length > 0;
    if (state.selected) await refreshDetail();
  }

  async function select(sessionId) {
    state.selected = sessionId;
    $("session-detail").hidden = false;
    $("detail-title").textContent = `Session ${sessionId}`;
    await refreshDetail();
    await refreshShot();
    $("end-session").focus();
  }

  async function refreshDetail() {
    let log;
    try {
      log = await api("GET", `/session/${encodeURIComponent(state.selected)}/log`);
    } catch (e) {
      $("detail-state").textContent = e.message;
      return;
    }
    $("detail-state").textContent = log.state === "launching"
      ? `launching (${log.stage})` : log.reason ? `${log.state}: ${log.reason}` : log.state;
    $("end-session").hidden = !["launching", "active"].includes(log.state);
    const items = log.timeline.map((t) => el("li", {},
      `${when(t.at)} ${t.event}${t.detail ? ": " + t.detail : ""}`));
    $("timeline").replaceChildren(...items);
    $("console").textContent = (log.console || []).map((c) => c.text || JSON.stringify(c))
      .join("\n") || "(nothing captured)";
  }

  async function refreshShot() {
    if (!state.selected || $("session-detail").hidden) return;
    try {
      const png = await api("GET", `/session/${encodeURIComponent(state.selected)}/screenshot`);
      const url = URL.createObjectURL(png);
      $("screenshot").src = url;
      if (state.shot) URL.revokeObjectURL(state.shot);
      state.shot = url;
    } catch (e) { /* no page any more: keep the last picture */ }
  }

  $("end-session").addEventListener("click", async () => {
    try {
      await api("DELETE", `/end-session?sessionId=${encodeURIComponent(state.selected)}`);
    } catch (e) {
      $("detail-state").textContent = e.message;
    }
    await refreshSessions();
  });

  if (state.key) logIn(state.key);
})();
