"""The page a GM's browser opens to approve a world's pairing request (SPEC 12): served by the
relay itself, no CDN; the API key typed into it goes only to this relay's approve/deny calls."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

from ..store import PairRequest


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pair a Foundry world &middot; foundry-relay</title>
<style>
 body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem;
        color: #222; }}
 dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }}
 dt {{ color: #666; }} input {{ width: 100%; padding: .4rem; font: inherit; }}
 button {{ font: inherit; padding: .4rem 1.2rem; margin: .8rem .5rem 0 0; }}
 #result {{ font-weight: bold; }}
</style></head>
<body>
<h1>Pair a Foundry world</h1>
{content}
</body></html>"""

_FORM = """<p>A Foundry world asks to connect to this relay. Approve it with the API key it should
act for; the world's module then receives a connection token of its own.</p>
<dl id="world">
 <dt>World</dt><dd id="world-title">{world_title}</dd>
 <dt>World id</dt><dd>{world_id}</dd>
 <dt>System</dt><dd>{system}</dd>
 <dt>Foundry</dt><dd>{foundry}</dd>
 <dt>Code</dt><dd id="code">{code}</dd>
 <dt>Expires</dt><dd>{expires}</dd>
</dl>
<form id="approve-form" autocomplete="off">
 <label for="api-key">API key</label>
 <input type="password" id="api-key" name="apiKey" required>
 <button type="submit" id="approve" value="approve">Approve</button>
 <button type="button" id="deny">Deny</button>
</form>
<p id="result" role="status"></p>
<script>
(() => {{
  const code = {code_json};
  const result = document.getElementById("result");
  async function decide(action) {{
    const key = document.getElementById("api-key").value.trim();
    if (!key) {{ result.textContent = "Enter your API key."; return; }}
    const r = await fetch(`../auth/pair-request/${{code}}/${{action}}`, {{
      method: "POST", headers: {{"x-api-key": key, "Content-Type": "application/json"}},
      body: "{{}}"}});
    const body = await r.json().catch(() => ({{}}));
    if (r.ok) {{
      result.textContent = action === "approve"
        ? "Approved. The world connects in a few seconds; you can close this tab."
        : "Denied.";
      document.getElementById("approve-form").hidden = true;
    }} else {{
      result.textContent = body.error || `Failed (${{r.status}})`;
    }}
  }}
  document.getElementById("approve-form").addEventListener("submit", (ev) => {{
    ev.preventDefault(); decide("approve"); }});
  document.getElementById("deny").addEventListener("click", () => decide("deny"));
}})();
</script>"""


def approval_html(found: PairRequest | None, now: float) -> str:
    if found is None:
        return _PAGE.format(content="<p id='result'>This pairing request does not exist.</p>")
    status = found.effective_status(now)
    if status != "pending":
        return _PAGE.format(
            content=f"<p id='result'>This pairing request is {html.escape(status)}.</p>"
        )
    e = html.escape
    system = " ".join(p for p in (found.system_title or found.system_id, found.system_version) if p)
    return _PAGE.format(
        content=_FORM.format(
            world_title=e(found.world_title or found.world_id),
            world_id=e(found.world_id),
            system=e(system or "unknown"),
            foundry=e(found.foundry_version or "unknown"),
            code=e(found.code),
            expires=e(_iso(found.expires_at)),
            code_json=json.dumps(found.code).replace("</", "<\\/"),
        )
    )
