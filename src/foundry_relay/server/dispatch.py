"""Exact-path dispatch: Starlette tries an app's routes one by one (a regex each), so with the
~100 routes of the module API a request for a late entry paid for every earlier one. This route,
placed first, finds a path without parameters in a dict and hands the request to the route
declared for it; anything else (path parameters, a method the path does not have, 404s) falls
through to the ordinary routing, so routing results and the OpenAPI document are unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send


class ExactPaths(BaseRoute):
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.by_path: dict[str, dict[str, APIRoute]] = {}
        for route in routes:
            if isinstance(route, APIRoute) and not route.param_convertors:
                methods = self.by_path.setdefault(route.path, {})
                for method in route.methods or ():
                    methods.setdefault(method, route)  # the first declared wins, as in routing

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        route = self.by_path.get(scope["path"], {}).get(scope["method"])
        if route is None:
            return Match.NONE, {}
        match, child = route.matches(scope)
        if match is not Match.FULL:
            return Match.NONE, {}
        return Match.FULL, {**child, "exact_route": route}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: APIRoute = scope["exact_route"]
        scope["route"] = route
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        # Not a named route itself: names resolve to the declared routes behind it.
        raise NoMatchFound(name, path_params)
