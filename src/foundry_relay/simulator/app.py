"""The Foundry simulator's ASGI app (SPEC section 7).

Serves the pages a headless login touches (``/``, ``/auth``, ``/setup``, ``/join``, ``/game``) as
HTML shells whose page scripts render them, like Foundry does, plus ``/api/status``, the login
endpoints and the game page's socket that keeps a user "active".
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .gameworld import world_data
from .world import MODULE_ID, WORLD_SETTINGS, SimConfig, SimState

log = logging.getLogger(__name__)

COOKIE = "session"


# The simulated module: its world and request handlers, then its connection (module.js).
MODULE_SCRIPTS = (
    "world-store.js",
    "api-documents.js",
    "api-table.js",
    "api-dnd5e.js",
    "module.js",
    "module-events.js",
)


def _static(name: str) -> str:
    return resources.files("foundry_relay.simulator").joinpath("static", name).read_text("utf-8")


def _page(title: str, body_class: str, data: dict[str, Any], script: str) -> str:
    payload = json.dumps(data).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} &bull; Foundry Virtual Tabletop</title>
<link rel="stylesheet" href="static/foundry.css">
<script id="page-data" type="application/json">{payload}</script>
<script src="static/foundry.js"></script>
{script}
</head>
<body class="{body_class}"></body>
</html>"""


def create_simulator(config: SimConfig | None = None) -> Starlette:
    """Build a simulator app; ``app.state.sim`` is its :class:`SimState` (mutable by tests)."""
    state = SimState(config or SimConfig())

    def session_of(request: Request) -> str | None:
        value = request.cookies.get(COOKIE)
        return value if value and len(value) == 24 else None

    def with_cookie(request: Request, response: Response) -> Response:
        if session_of(request) is None:
            response.set_cookie(
                COOKIE, SimState.new_session(), httponly=True, samesite="strict", path="/"
            )
        return response

    async def slow() -> None:
        if state.config.faults.slow_pages > 0:
            await asyncio.sleep(state.config.faults.slow_pages)

    def needs_admin(request: Request) -> bool:
        return bool(state.config.admin_password) and session_of(request) not in state.admin_sessions

    async def root(request: Request) -> Response:
        await slow()
        target = "join" if state.active_world else "setup"
        return with_cookie(request, RedirectResponse(target, status_code=302))

    async def auth_page(request: Request) -> Response:
        await slow()
        if not state.config.admin_password:
            return RedirectResponse("setup", status_code=302)
        error = None
        status = 200
        if request.method == "POST":
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            given = (form.get("adminPassword") or [""])[0]
            session = session_of(request)
            if given == state.config.admin_password and session is not None:
                state.admin_sessions.add(session)
                return RedirectResponse("setup", status_code=302)
            error, status = "SETUP.ErrorAdminPassword", 401
        page = _page("Administrator Access", "auth", {"view": "auth", "error": error}, "")
        return with_cookie(request, HTMLResponse(page, status_code=status))

    async def setup_page(request: Request) -> Response:
        await slow()
        if state.active_world:
            return with_cookie(request, RedirectResponse("join", status_code=302))
        if needs_admin(request):
            return with_cookie(request, RedirectResponse("auth", status_code=302))
        data = {
            "view": "setup",
            "version": state.config.version_string,
            "worlds": [
                {"id": w.id, "title": w.title, "system": w.system} for w in state.config.worlds
            ],
        }
        return with_cookie(request, HTMLResponse(_page("Setup", "setup", data, "")))

    async def setup_post(request: Request) -> Response:
        if needs_admin(request):
            return JSONResponse({"error": "SETUP.ErrorAdminRequired"}, status_code=403)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "invalid JSON"}, status_code=400)
        if not isinstance(body, dict) or body.get("action") != "launchWorld":
            return JSONResponse({"error": "unknown action"}, status_code=400)
        world = state.world(body.get("world"))
        if world is None:
            return JSONResponse({"error": "SETUP.WorldNotFound"}, status_code=404)
        if state.active_world or state.launching:
            return JSONResponse({"error": "a world is already running"}, status_code=409)
        state.launching = world.id

        async def finish() -> None:
            await asyncio.sleep(state.config.launch_delay)
            if state.launching == world.id and not state.config.faults.launch_never_completes:
                state.active_world, state.launching = world.id, None

        if not state.config.faults.launch_never_completes:
            task = asyncio.create_task(finish())
            background.add(task)
            task.add_done_callback(background.discard)
        return JSONResponse({})

    async def status(request: Request) -> Response:
        world = state.world(state.active_world)
        return JSONResponse(
            {
                "active": world is not None,
                "version": state.config.version_string,
                "world": world.id if world else None,
                "system": world.system if world else None,
                "systemVersion": world.system_version if world else None,
                "users": sum(1 for v in state.open_pages.values() if v > 0),
                "uptime": 1,
            }
        )

    async def join_page(request: Request) -> Response:
        await slow()
        world = state.world(state.active_world)
        if world is None:
            return with_cookie(request, RedirectResponse("setup", status_code=302))
        data = {
            "view": "join",
            "version": state.config.version_string,
            "major": state.config.foundry_version,
            "world": {"id": world.id, "title": world.title},
            "users": [
                {"id": u.id, "name": u.name, "active": state.user_active(u.id)}
                for u in state.config.users
            ],
        }
        return with_cookie(request, HTMLResponse(_page(world.title, "join", data, "")))

    async def join_post(request: Request) -> Response:
        if state.world(state.active_world) is None:
            return PlainTextResponse("JOIN.ErrorNoActiveWorld", status_code=400)
        raw = await request.body()
        ctype = request.headers.get("content-type", "")
        body: Any
        if "application/json" in ctype:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return PlainTextResponse("JOIN.ErrorInvalidRequest", status_code=400)
        else:
            body = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if not isinstance(body, dict) or body.get("action", "join") != "join":
            return PlainTextResponse("JOIN.ErrorInvalidRequest", status_code=400)
        user = None
        if isinstance(body.get("userid"), str):
            user = state.user_by_id(body["userid"])
        if user is None and isinstance(body.get("username"), str):
            user = state.user_by_name(body["username"])
        if user is None:
            return PlainTextResponse("JOIN.ErrorUserDoesNotExist", status_code=401)
        if state.user_active(user.id):
            return PlainTextResponse("JOIN.ErrorUserActive", status_code=403)
        password = body.get("password") or ""
        if password != user.password:
            return PlainTextResponse("JOIN.ErrorInvalidPassword", status_code=401)
        session = session_of(request) or SimState.new_session()
        state.logins[session] = user.id
        response = JSONResponse(
            {
                "request": "join",
                "status": "success",
                "message": "JOIN.LoginSuccess",
                "redirect": "game",
            }
        )
        if session_of(request) is None:
            response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path="/")
        return response

    async def game_page(request: Request) -> Response:
        await slow()
        world = state.world(state.active_world)
        if world is None:
            return RedirectResponse("setup", status_code=302)
        session = session_of(request)
        user = state.user_by_id(state.logins.get(session or "", ""))
        if user is None:
            return RedirectResponse("join", status_code=302)
        cfg = state.config
        data = {
            "view": "game",
            "version": cfg.version_string,
            "major": cfg.foundry_version,
            "world": {"id": world.id, "title": world.title},
            "system": {
                "id": world.system,
                "title": world.system_title,
                "version": world.system_version,
            },
            "user": {"id": user.id, "name": user.name, "role": user.role},
            "users": [
                {"id": u.id, "name": u.name, "role": u.role, "active": state.user_active(u.id)}
                for u in cfg.users
            ],
            "worldSettings": state.settings_for(world.id, user.id),
            "module": {
                "id": MODULE_ID,
                "installed": cfg.module_installed,
                "connectDelay": cfg.module_connect_delay,
                "pairPollInterval": cfg.pair_poll_interval,
            },
            "faults": cfg.faults.as_json(),
            "documents": world_data(world, cfg.users),
        }
        module = (
            "".join(f'<script src="static/{name}"></script>' for name in MODULE_SCRIPTS)
            if cfg.module_installed
            else ""
        )
        return HTMLResponse(_page(world.title, "vtt game", data, module))

    async def settings_post(request: Request) -> Response:
        """Stand-in for Foundry's setting update over its socket: a GM writes a world setting,
        which the server keeps in the world's database."""
        world = state.world(state.active_world)
        user = state.user_by_id(state.logins.get(session_of(request) or "", ""))
        if world is None or user is None:
            return JSONResponse({"error": "not logged in"}, status_code=401)
        if user.role < 3:
            return JSONResponse({"error": "SETTINGS.ErrorPermission"}, status_code=403)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "invalid JSON"}, status_code=400)
        key = body.get("key") if isinstance(body, dict) else None
        if not isinstance(key, str) or key not in WORLD_SETTINGS:
            return JSONResponse({"error": f"{key!r} is not a world setting"}, status_code=400)
        if not state.config.module_installed:
            return JSONResponse({"error": f"{key} is not a registered setting"}, status_code=400)
        state.set_setting(world.id, user.id, key, body.get("value"))
        return JSONResponse({"key": key, "value": body.get("value")})

    async def game_socket(ws: WebSocket) -> None:
        user_id = state.logins.get(ws.cookies.get(COOKIE, ""))
        if user_id is None:  # accepted, then closed: the page must see the code (no 403)
            await ws.accept()
            await ws.close(code=4001, reason="Not logged in")
            return
        await ws.accept()
        state.open_pages[user_id] = state.open_pages.get(user_id, 0) + 1
        state.game_sockets.add(ws)
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
        except WebSocketDisconnect:
            pass
        finally:
            state.game_sockets.discard(ws)
            state.open_pages[user_id] -= 1

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("foundry.js", "foundry.css", *MODULE_SCRIPTS):
            return PlainTextResponse("Not Found", status_code=404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(_static(name), media_type=media, headers={"cache-control": "max-age=3600"})

    background: set[asyncio.Task[None]] = set()
    app = Starlette(
        routes=[
            Route("/", root),
            Route("/auth", auth_page, methods=["GET", "POST"]),
            Route("/setup", setup_page, methods=["GET"]),
            Route("/setup", setup_post, methods=["POST"]),
            Route("/api/status", status),
            Route("/join", join_page, methods=["GET"]),
            Route("/join", join_post, methods=["POST"]),
            Route("/game", game_page),
            Route("/api/settings", settings_post, methods=["POST"]),
            Route("/static/{name}", static),
            WebSocketRoute("/socket", game_socket),
        ]
    )
    app.state.sim = state
    return app
