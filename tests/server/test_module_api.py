"""The whole module API through a real relay to a Python stand-in for the module: every route of
the table reaches the module as the right frame with every parameter (``userId`` included);
extras are named, not forwarded; files and images come back as bytes; code-running calls need a
key allowed to; an unknown client is 404 before any parameter check."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from foundry_relay.core.forwarding import Param, Route
from foundry_relay.core.routes import ROUTES, ROUTES_BY_TYPE

from ..conftest import RelayFactory, RelayHandle
from .module_client import FakeModule, echo

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


def sample(param: Param) -> Any:
    """A distinct value of the parameter's kind, as the module should receive it."""
    return {
        "str": f"s-{param.name}",
        "bool": True,
        "int": 7,
        "number": 2.5,
        "object": {"k": param.name},
        "array": ["a", param.name],
        "any": f"any-{param.name}",
    }[param.kind]


def as_query(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def request_for(route: Route) -> tuple[str, dict[str, str], dict[str, Any] | None]:
    """Path, query and JSON body carrying every parameter of ``route`` (and a typo)."""
    path = route.path
    query: dict[str, str] = {"userid": "typo"}
    body: dict[str, Any] = {}
    for p in route.params:
        value = sample(p)
        if p.source == "p":
            path = path.replace("{" + p.name + "}", str(value))
        elif p.source == "b" or (p.source == "e" and route.method in ("POST", "PUT")):
            body[p.name] = value
        else:
            query[p.name] = as_query(value)
    return path, query, body if route.method in ("POST", "PUT") else None


async def connected(relay: RelayHandle, **key_options: Any) -> tuple[FakeModule, str]:
    key_id, api_key = relay.new_key(**key_options)
    _, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, "fvtt_module_api_01", token=token)
    assert (await module.connect())["type"] == "auth-success"
    return module, api_key


async def test_every_route_reaches_the_module_with_every_parameter(relay: RelayHandle) -> None:
    module, key = await connected(relay, allow_execute_js=True)
    module.serve(echo)
    async with relay.http(key) as http:
        for route in ROUTES:
            path, query, body = request_for(route)
            reply = await http.request(route.method, path, params=query, json=body)
            assert reply.status_code == 200, (route.ws_type, reply.text)
            frame = reply.json()["echo"]
            assert frame["type"] == route.ws_type
            expected = {p.name: sample(p) for p in route.params}
            assert {k: frame.get(k) for k in expected} == expected, route.ws_type
            assert "userid" not in frame and "clientId" not in frame
            assert reply.headers["X-Unknown-Parameters"] == "userid"
    assert len(module.requests) == len(ROUTES)
    await module.close()


async def test_an_unknown_client_is_404_before_any_parameter_check(relay: RelayHandle) -> None:
    module, key = await connected(relay)
    module.serve(echo)
    async with relay.http(key) as http:
        missing = await http.post("/roll", params={"clientId": "fvtt_nobody"}, json={})
        assert missing.status_code == 404 and missing.json()["code"] == "CLIENT_NOT_FOUND"
        bad = await http.post("/roll", json={})  # the one client: now the parameters count
        assert bad.status_code == 400 and "formula" in bad.json()["error"]
        gone = await http.get("/contents/Actors/Heroes")
        assert gone.status_code == 410 and "/structure" in gone.json()["error"]
    assert module.requests == []
    await module.close()


async def test_code_in_the_gms_browser_needs_a_key_allowed_to(relay: RelayHandle) -> None:
    module, key = await connected(relay)
    module.serve(echo)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/execute-js", {"script": "return game.world.id"}),
        ("POST", "/create", {"entityType": "Macro", "data": {"name": "m", "command": "x()"}}),
    ]
    async with relay.http(key) as http:
        for method, path, body in calls:
            denied = await http.request(method, path, json=body)
            assert denied.status_code == 403 and denied.json()["code"] == "SCOPE_DENIED", path
        update = await http.put(
            "/update", params={"uuid": "Macro.m1"}, json={"data": {"command": "x()"}}
        )
        assert update.status_code == 403
        assert module.requests == []
        plain = await http.post("/create", json={"entityType": "Actor", "data": {"name": "A"}})
        rename = await http.put(
            "/update", params={"uuid": "Macro.m1"}, json={"data": {"name": "n"}}
        )
        assert plain.status_code == rename.status_code == 200
    await module.close()
    allowed, allowed_key = await connected(relay, allow_execute_js=True)
    allowed.serve(echo)
    async with relay.http(allowed_key) as http:
        for method, path, body in calls:
            assert (await http.request(method, path, json=body)).status_code == 200
    assert ROUTES_BY_TYPE["execute-js"].timeout == 20.0
    await allowed.close()


def file_reply(frame: dict[str, Any]) -> dict[str, Any]:
    png = "data:image/png;base64," + base64.b64encode(PNG).decode()
    base = {"type": frame["type"] + "-result", "requestId": frame["requestId"]}
    if frame["type"] == "download-file":
        return base | {"success": True, "fileData": png, "filename": "map.png", "mimeType": ""}
    if frame["type"] == "scene-raw-image":
        return base | {"data": {"sceneId": "s1", "imageData": png, "mimeType": "image/png"}}
    return base | {"imageData": png, "mimeType": "image/png", "width": 1, "height": 1}


@pytest.mark.parametrize(
    "path", ["/scene/image", "/scene/image/raw", "/sheet", "/download?path=maps/map.png"]
)
async def test_files_and_images_come_back_as_bytes(relay: RelayHandle, path: str) -> None:
    module, key = await connected(relay)

    async def answer(frame: dict[str, Any]) -> dict[str, Any]:
        return file_reply(frame)

    module.serve(answer)
    async with relay.http(key) as http:
        reply = await http.get(path)
        assert reply.status_code == 200 and reply.content == PNG
        assert reply.headers["content-type"] == "image/png"
        if path.startswith("/scene/image?") or path == "/scene/image" or path == "/sheet":
            assert reply.headers["X-Image-Width"] == reply.headers["X-Image-Height"] == "1"
        if path.startswith("/download"):
            assert reply.headers["content-disposition"] == 'attachment; filename="map.png"'
            as_json = await http.get(path + "&format=base64")
            assert as_json.json()["fileData"].startswith("data:image/png;base64,")
    await module.close()


async def test_uploads_take_base64_json_or_a_raw_body(relay_factory: RelayFactory) -> None:
    async with relay_factory(ws_max_message_mb=1) as relay:
        module, key = await connected(relay)
        module.serve(echo)
        where = {"path": "uploads", "filename": "a.png"}
        async with relay.http(key) as http:
            raw = await http.post(
                "/upload", params=where, content=PNG, headers={"content-type": "image/png"}
            )
            frame = raw.json()["echo"]
            assert frame["fileData"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
            assert (frame["path"], frame["filename"]) == ("uploads", "a.png")
            encoded = "data:text/plain;base64," + base64.b64encode(b"hi").decode()
            as_json = await http.post("/upload", json={**where, "fileData": encoded})
            assert as_json.json()["echo"]["fileData"] == encoded
            nameless = await http.post(
                "/upload", content=PNG, headers={"content-type": "image/png"}
            )
            assert nameless.status_code == 400
            big = await http.post(
                "/upload",
                params=where,
                content=b"x" * (1024 * 1024),
                headers={"content-type": "application/octet-stream"},
            )
            assert big.status_code == 413 and big.json()["code"] == "PAYLOAD_TOO_LARGE"
        assert len(module.requests) == 2
        await module.close()


async def test_the_openapi_document_lists_every_route_by_area(relay: RelayHandle) -> None:
    async with httpx.AsyncClient(base_url=relay.url) as http:
        spec = (await http.get("/openapi.json")).json()
    for route in ROUTES:
        op = spec["paths"][route.path][route.method.lower()]
        assert op["tags"] == [route.area] and op["summary"] == route.summary


async def test_exact_path_dispatch_routes_as_the_declared_routes(relay: RelayHandle) -> None:
    """The dict in front of the ~100 routes changes nothing a client can see: a method the path
    lacks is still 405, a slash-suffixed or unknown path 404/redirect as before, the same path
    with several methods reaches each one."""
    module, key = await connected(relay)
    module.serve(echo)
    async with relay.http(key) as http:
        wrong = await http.delete("/world-info")
        assert (wrong.status_code, wrong.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
        for method in ("GET", "POST", "DELETE"):
            body = {"content": "hi"} if method == "POST" else None
            reply = await http.request(method, "/chat", json=body)
            assert reply.status_code == 200, method
        types = [f["type"] for f in module.requests]
        assert types == ["chat-messages", "chat-send", "chat-flush"]
        assert (await http.get("/no-such-route")).status_code == 404
    await module.close()


async def test_the_fast_path_answers_as_the_declared_routes(relay: RelayHandle) -> None:
    """A call without ``Origin`` takes the fast path, one with it FastAPI's full stack: the
    same status, body and relay headers for success and for every kind of refusal."""
    module, key = await connected(relay)
    module.serve(echo)
    calls: list[tuple[str, str, dict[str, str], dict[str, Any] | None, dict[str, str]]] = [
        ("GET", "/world-info", {"userid": "typo"}, None, {"x-api-key": key}),
        ("POST", "/roll", {}, {"formula": "1d4"}, {"x-api-key": key}),
        ("POST", "/roll", {}, {}, {"x-api-key": key}),  # 400: no formula
        ("GET", "/players", {"clientId": "fvtt_nobody"}, None, {"x-api-key": key}),  # 404
        ("GET", "/players", {}, None, {"x-api-key": "frk_wrong"}),  # 401
        ("GET", "/players", {}, None, {}),  # 401: no key
        ("POST", "/execute-js", {}, {"script": "1"}, {"x-api-key": key}),  # 403
        ("POST", "/roll", {}, None, {"x-api-key": key, "content-type": "application/json"}),
    ]
    async with httpx.AsyncClient(base_url=relay.url) as http:
        for method, path, query, body, headers in calls:
            replies = []
            for extra in ({}, {"origin": "http://browser.example"}):
                reply = await http.request(
                    method, path, params=query, json=body, headers={**headers, **extra}
                )
                echo_free = reply.json()
                if isinstance(echo_free.get("echo"), dict):
                    echo_free["echo"].pop("requestId")
                    echo_free.pop("requestId")
                replies.append(
                    (reply.status_code, echo_free, reply.headers.get("X-Unknown-Parameters"))
                )
            assert replies[0] == replies[1], (method, path, replies)
    await module.close()
