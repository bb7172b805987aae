"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Playlist routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncPlaylistRoutes(AsyncRouteBase):
    async def play_sound(
        self,
        src: str,
        *,
        volume: float | None = None,
        loop: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Play a sound file (``POST /play-sound``)."""
        return await self.forward(
            "play-sound", client_id=client_id, src=src, volume=volume, loop=loop, userId=user_id
        )

    async def playlist_next(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Skip to the next sound of a playlist (``POST /playlist/next``)."""
        return await self.forward(
            "playlist-next",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            userId=user_id,
        )

    async def playlist_play(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        sound_id: str | None = None,
        sound_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Play a playlist or one of its sounds (``POST /playlist/play``)."""
        return await self.forward(
            "playlist-play",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            soundId=sound_id,
            soundName=sound_name,
            userId=user_id,
        )

    async def playlist_stop(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Stop a playlist (``POST /playlist/stop``)."""
        return await self.forward(
            "playlist-stop",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            userId=user_id,
        )

    async def playlist_volume(
        self,
        volume: float,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        sound_id: str | None = None,
        sound_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Set a playlist's or sound's volume (``POST /playlist/volume``)."""
        return await self.forward(
            "playlist-volume",
            client_id=client_id,
            volume=volume,
            playlistId=playlist_id,
            playlistName=playlist_name,
            soundId=sound_id,
            soundName=sound_name,
            userId=user_id,
        )

    async def get_playlists(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Playlists and their sounds (``GET /playlists``)."""
        return await self.forward("get-playlists", client_id=client_id, userId=user_id)

    async def stop_sound(
        self,
        *,
        src: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Stop a playing sound (``POST /stop-sound``)."""
        return await self.forward("stop-sound", client_id=client_id, src=src, userId=user_id)
