"""Event channels (SPEC 14): which module frame feeds which channel, what a subscriber sees, and
which subscriber an event passes. Pure: the server holds the subscribers and their streams.

The wire shapes are the established relay's: SSE event names ``roll``, ``chat-<eventType>``, the
hook's name, ``combat-<eventType>``, ``actor-<eventType>``, ``scene-<eventType>``; on the client
WebSocket ``{"type": "<kind>-event", "event", "data"}``. Its filters are applied as documented
(its own relay compared some against fields the module never sends, so they never matched).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest


@dataclass(frozen=True)
class Channel:
    name: str  # as the module and /ws/api know it
    frame: str  # the module's event frame type
    path: str  # the SSE route
    ws_type: str  # the frame type on the client WebSocket


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel("roll-events", "roll-data", "/rolls/subscribe", "roll-event"),
        Channel("chat-events", "chat-event", "/chat/subscribe", "chat-event"),
        Channel("hooks", "hook-event", "/hooks/subscribe", "hook-event"),
        Channel("combat-events", "combat-event", "/encounters/subscribe", "combat-event"),
        Channel("actor-events", "actor-event", "/actor/subscribe", "actor-event"),
        Channel("scene-events", "scene-event", "/scene/subscribe", "scene-event"),
    )
}
BY_FRAME = {c.frame: c for c in CHANNELS.values()}
BY_PATH = {c.path: c for c in CHANNELS.values()}


@dataclass(frozen=True)
class Filters:
    """What a subscriber asked to see; empty fields pass everything."""

    user_id: str = ""
    speaker: str = ""
    chat_type: str = ""
    whisper_only: bool = False
    hooks: tuple[str, ...] = ()
    encounter_id: str = ""
    actor_uuid: str = ""
    scene_id: str = ""

    @classmethod
    def parse(cls, channel: Channel, params: Mapping[str, Any]) -> Filters:
        """From query parameters or a /ws/api ``filters`` object; 400 for a bad one."""

        def text(name: str) -> str:
            value = params.get(name)
            if value is None:
                return ""
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise BadRequest(f"filter '{name}' must be a string")
            return str(value).strip()

        hooks = params.get("hooks") or ""
        if isinstance(hooks, list):
            names = tuple(str(h).strip() for h in hooks if str(h).strip())
        else:
            names = tuple(h.strip() for h in str(hooks).split(",") if h.strip())
        whisper = params.get("whisperOnly")
        filters = cls(
            user_id=text("userId"),
            speaker=text("speaker"),
            chat_type=text("type"),
            whisper_only=whisper is True or str(whisper).lower() in ("true", "1"),
            hooks=names,
            encounter_id=text("encounterId"),
            actor_uuid=text("actorUuid"),
            scene_id=text("sceneId"),
        )
        if channel.name == "actor-events" and not filters.actor_uuid:
            raise BadRequest("'actorUuid' is required for actor event subscriptions")
        return filters


@dataclass(frozen=True)
class Event:
    channel: Channel
    name: str  # the SSE event name
    data: dict[str, Any]  # the SSE data and the WebSocket frame's "data"

    def ws_frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": self.channel.ws_type}
        if self.channel.name == "hooks":
            frame["hook"] = self.name
        elif self.channel.name != "roll-events":
            frame["event"] = self.name
        frame["data"] = self.data
        return frame


def event_of(frame: Mapping[str, Any]) -> Event | None:
    """The event a module frame carries, or None if it is not an (understandable) event."""
    channel = BY_FRAME.get(str(frame.get("type")))
    data = frame.get("data")
    if channel is None or not isinstance(data, dict):
        return None
    kind = data.get("eventType")
    kind = kind if isinstance(kind, str) and kind else None
    if channel.name == "roll-events":
        return Event(channel, "roll", data)
    if channel.name == "chat-events":
        return Event(channel, "chat-" + (kind or "create"), data)
    if channel.name == "hooks":
        hook = data.get("hook")
        return Event(channel, hook, data) if isinstance(hook, str) and hook else None
    if channel.name == "combat-events":
        inner = data.get("data")
        payload = inner if isinstance(inner, dict) and "eventType" in inner else data
        inner_kind = payload.get("eventType")
        return Event(channel, f"combat-{inner_kind or 'update'}", payload)
    prefix = "actor" if channel.name == "actor-events" else "scene"
    return Event(channel, f"{prefix}-{kind or 'update'}", data)


def _message(data: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = data.get("data")
    return inner if isinstance(inner, dict) else {}


def _speaker_names(message: Mapping[str, Any]) -> set[str]:
    speaker = message.get("speaker")
    names: set[str] = set()
    if isinstance(speaker, dict):
        names |= {str(v) for k, v in speaker.items() if k in ("alias", "actor", "token") and v}
    elif isinstance(speaker, str):
        names.add(speaker)
    author = message.get("author")
    if isinstance(author, dict):
        names |= {str(v) for k, v in author.items() if k in ("id", "name") and v}
    return names


def passes(filters: Filters, event: Event) -> bool:
    """Does ``event`` pass the subscriber's ``filters``?"""
    data = event.data
    name = event.channel.name
    if name == "roll-events":
        user = data.get("user")
        user_id = user.get("id") if isinstance(user, dict) else data.get("userId")
        return not filters.user_id or filters.user_id == user_id
    if name == "chat-events":
        message = _message(data)
        if filters.speaker and filters.speaker not in _speaker_names(message):
            return False
        if filters.chat_type and str(message.get("type", "")) != filters.chat_type:
            return False
        if filters.whisper_only and not message.get("whisper"):
            return False
        author = message.get("author")
        author_id = author.get("id") if isinstance(author, dict) else None
        return not filters.user_id or filters.user_id == author_id or event.name == "chat-delete"
    if name == "hooks":
        return not filters.hooks or event.name in filters.hooks
    if name == "combat-events":
        return not filters.encounter_id or filters.encounter_id == data.get("encounterId")
    if name == "actor-events":
        return not filters.actor_uuid or filters.actor_uuid == data.get("actorUuid")
    return not filters.scene_id or filters.scene_id == data.get("sceneId")
