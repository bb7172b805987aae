"""Requests per API key and calendar month (UTC), for monthly quotas (SPEC 15). Counted in
memory on the hot path, added to the store every few seconds; the store's total (every relay
sharing it adds its own) comes back with each addition."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING

from ..errors import RelayError

if TYPE_CHECKING:
    from ..store import ApiKey, Store

log = logging.getLogger(__name__)

FLUSH_EVERY = 5.0


def month_of(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m")


def seconds_to_next_month(moment: dt.datetime) -> int:
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return max(1, int((following - moment).total_seconds()))


class KeyUsage:
    """This process's view of each key's requests this month."""

    def __init__(self, store: Store) -> None:
        self.store = store
        now = dt.datetime.now(dt.UTC)
        self.month = month_of(now)
        self._month_ends = time.time() + seconds_to_next_month(now)
        self._stored: dict[str, int] = {}  # the store's total when last read
        self._pending: Counter[str] = Counter()  # counted here, not yet added to the store
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_loop(), name="key-usage")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    def _roll(self) -> None:
        """A new month: counts start again (checked by a float compare per request)."""
        if time.time() < self._month_ends:
            return
        now = dt.datetime.now(dt.UTC)
        self.month = month_of(now)
        self._month_ends = time.time() + seconds_to_next_month(now)
        self._stored.clear()
        self._pending.clear()

    def used(self, key_id: str) -> int:
        if key_id not in self._stored:
            self._stored[key_id] = self.store.usage(key_id, self.month)
        return self._stored[key_id] + self._pending[key_id]

    def hit(self, key: ApiKey) -> None:
        """Count one request; 429 ``QUOTA_EXCEEDED`` once the key's monthly quota is used."""
        self._roll()
        if key.monthly_quota:
            used = self.used(key.id)
            if used >= key.monthly_quota:
                raise RelayError(
                    f"this API key has used its {key.monthly_quota} requests for {self.month}",
                    code="QUOTA_EXCEEDED",
                    limit=key.monthly_quota,
                    retryAfter=max(1, int(self._month_ends - time.time())),
                )
        self._pending[key.id] += 1

    async def flush(self) -> None:
        month, pending = self.month, dict(self._pending)
        for key_id, count in pending.items():
            if count <= 0:
                continue
            total = await self.store.off_loop(self.store.add_usage, key_id, month, count)
            if month == self.month:
                self._pending[key_id] -= count
                self._stored[key_id] = total

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            try:
                await self.flush()
            except Exception:
                log.warning("request counts not saved; tried again shortly", exc_info=True)
