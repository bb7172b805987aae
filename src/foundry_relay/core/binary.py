"""Files and images in module replies (SPEC 13): the module sends them as base64 (usually a
``data:`` URL) with a MIME type; the relay answers with the bytes. And the other way: a raw
upload body becomes the ``data:`` URL the module's ``upload-file`` expects. Pure."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..errors import BadRequest

FILE_FIELDS = ("imageData", "fileData")
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(?:;[\w-]+=[^;,]*)*;base64,", re.ASCII)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\]')


@dataclass(frozen=True)
class FilePayload:
    content: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _decode(value: str) -> tuple[bytes, str | None] | None:
    """The bytes (and a data URL's MIME type) of base64 text; None if it is not base64."""
    media: str | None = None
    match = _DATA_URL.match(value)
    if match is not None:
        media, value = match.group(1), value[match.end() :]
    elif value.startswith("data:"):
        return None
    try:
        return base64.b64decode(value, validate=True), media
    except (binascii.Error, ValueError):
        return None


def _disposition(filename: str) -> str:
    safe = _UNSAFE.sub("_", filename.rsplit("/", 1)[-1])[:200] or "file"
    ascii_name = safe.encode("ascii", "replace").decode("ascii").replace("?", "_")
    if ascii_name == safe:
        return f'attachment; filename="{safe}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe)}"


def file_payload(reply: Mapping[str, Any]) -> FilePayload | None:
    """The file or image a module reply carries (top level, or under ``data``); None when it
    carries none (the reply is then passed on as JSON)."""
    holders = [reply]
    if isinstance(reply.get("data"), Mapping):
        holders.append(reply["data"])
    for holder in holders:
        for name in FILE_FIELDS:
            value = holder.get(name)
            if not isinstance(value, str) or not value:
                continue
            decoded = _decode(value)
            if decoded is None:
                continue
            content, url_media = decoded
            media = holder.get("mimeType") or holder.get("contentType") or url_media
            headers: dict[str, str] = {}
            for dimension, header in (("width", "X-Image-Width"), ("height", "X-Image-Height")):
                size = holder.get(dimension, reply.get(dimension))
                if isinstance(size, (int, float)) and not isinstance(size, bool):
                    headers[header] = str(int(size))
            filename = holder.get("filename")
            if isinstance(filename, str) and filename:
                headers["Content-Disposition"] = _disposition(filename)
            media_type = media if isinstance(media, str) and media else "application/octet-stream"
            return FilePayload(content, media_type, headers)
    return None


def data_url(content: bytes, media_type: str | None) -> str:
    """A raw upload as the ``data:`` URL the module's ``upload-file`` reads."""
    if not content:
        raise BadRequest("the upload body is empty")
    media = (media_type or "application/octet-stream").split(";")[0].strip()
    if not re.fullmatch(r"[\w.+-]+/[\w.+-]+", media, re.ASCII):
        raise BadRequest("mimeType must look like type/subtype")
    return f"data:{media};base64," + base64.b64encode(content).decode("ascii")
