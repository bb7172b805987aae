"""The relay's dashboard at ``/`` (SPEC 15): one page of HTML with a little JavaScript over the
relay's own JSON API, served from the package (no CDN). Its visitor logs in with an admin key,
kept in that browser tab's session storage only."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from ..core.scopes import SCOPES

STATIC = Path(__file__).with_name("static")
router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=STATIC)


@cache
def _page() -> str:
    scopes = json.dumps(list(SCOPES)).replace("</", "<\\/")
    return (STATIC / "dashboard.html").read_text(encoding="utf-8").replace("__SCOPES__", scopes)


@router.get("/", response_class=HTMLResponse)
async def dashboard() -> Response:
    """The dashboard page (the key is typed into it, never part of its URL)."""
    return HTMLResponse(
        _page(),
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' blob:; style-src 'self';"
                " script-src 'self'; frame-ancestors 'none'"
            ),
        },
    )
