"""RoomStateBroadcaster: one roomStateUpdate per committed change, to every process.

Design (docs/architecture.md, measured in bench/):
- The snapshot is built inside the writing transaction, while the room row is still
  locked, so it is exactly the committed state; it is serialised to JSON once.
- It leaves only after commit (`transaction.on_commit`); a rolled-back change sends nothing.
- Hand-off to the channel layer runs on the ASGI server's event loop (or, outside a
  server, on one long-lived publisher loop) so the request thread never waits on Redis
  and the Redis layer keeps one connection set per process instead of one per call.
- Within a process, snapshots of one room go out in version order and an older one
  that arrives after a newer one is dropped (the newer snapshot already contains it).
  Across processes, clients order by `version` and resync on a gap.
- A failed hand-off (Redis down) never undoes the committed write; clients catch up
  with `sync` when they next talk to the server.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future

from channels.layers import get_channel_layer
from django.db import transaction

from gamebuddies import metrics, outages

from .selectors import acache_room_state, cache_room_state

logger = logging.getLogger(__name__)

STATE_MESSAGE_TYPE = "room.state"


class BroadcastTicket:
    """Lets a caller wait (bounded) until its snapshot was handed to the channel layer."""

    def __init__(self) -> None:
        self._future: Future[bool] = Future()

    def resolve(self, delivered: bool) -> None:
        if not self._future.done():
            self._future.set_result(delivered)

    def wait(self, timeout: float) -> bool:
        try:
            return self._future.result(timeout=timeout)
        except Exception:
            return False

    async def wait_async(self, timeout: float) -> bool:
        """`wait` for callers on the event loop that hands the snapshot over."""
        try:
            return await asyncio.wait_for(asyncio.wrap_future(self._future), timeout)
        except Exception:
            return False

    @property
    def done(self) -> bool:
        return self._future.done()


class Publication:
    """A committed snapshot's publish, carried by the caller's own Redis pipeline.

    The lean status path already ends with one Redis round trip (freeing its idempotency
    slot and writing the snapshot's cache entry); the publish rides in it instead of taking a
    round trip of its own. `done` records the outcome as `_send` would.
    """

    __slots__ = ("channel", "payload", "ticket", "started")

    def __init__(self, channel: str, payload: bytes, started: float) -> None:
        self.channel, self.payload, self.started = channel, payload, started
        self.ticket = BroadcastTicket()

    def done(self, *, sent: bool, error: BaseException | None = None) -> None:
        if sent:
            outages.broadcasts.recovered()
            metrics.broadcasts.labels("sent").inc()
            metrics.broadcast_handoff_seconds.observe(time.perf_counter() - self.started)
        else:
            outages.broadcasts.failed(error)
            metrics.broadcasts.labels("failed").inc()
        self.ticket.resolve(sent)


class _PublisherLoop:
    """A private event loop thread for publishing outside an ASGI server (workers, shell)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def get(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or not self._loop.is_running():
                loop = asyncio.new_event_loop()
                started = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(started.set)
                    loop.run_forever()

                threading.Thread(target=run, name="room-state-publisher", daemon=True).start()
                started.wait(5)
                self._loop = loop
            return self._loop


class _RoomSlot:
    __slots__ = ("lock", "last_version")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last_version = 0


class RoomStateBroadcaster:
    def __init__(self) -> None:
        self._app_loop: asyncio.AbstractEventLoop | None = None
        self._private = _PublisherLoop()
        # Per room group: a lock that keeps its sends in order and the last version sent.
        self._slots: OrderedDict[str, _RoomSlot] = OrderedDict()
        # Tasks started by publish_committed, kept alive until they finish.
        self._tasks: set[asyncio.Task] = set()

    # -- wiring ------------------------------------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called by the ASGI entry point: publish on the server's own loop."""
        if self._app_loop is not loop:
            self._app_loop = loop
            self._slots = OrderedDict()  # asyncio locks belong to one loop

    def _target_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._app_loop
        if loop is not None and loop.is_running() and not loop.is_closed():
            return loop
        return self._private.get()

    # -- public API --------------------------------------------------------------
    def broadcast_on_commit(
        self, *, group: str, room_id, version: int, payload_json: str, extra: dict | None = None
    ) -> BroadcastTicket:
        ticket = BroadcastTicket()
        committed_at: list[float] = []

        def publish() -> None:
            committed_at.append(time.perf_counter())
            try:
                cache_room_state(room_id=room_id, version=version, payload_json=payload_json)
            except Exception:
                logger.warning("room state cache write failed", exc_info=True)
            self.publish(
                group=group,
                version=version,
                payload_json=payload_json,
                ticket=ticket,
                started=committed_at[0],
                extra=extra,
            )

        # robust: a failing broadcast must not break the caller after its data is committed.
        transaction.on_commit(publish, robust=True)
        return ticket

    def publish_committed(
        self,
        *,
        group: str,
        room_id,
        version: int,
        payload_json: str,
        extra: dict | None = None,
        cache_snapshot: bool = True,
    ) -> BroadcastTicket:
        """For writers on the event loop that committed themselves (the lean async paths).

        Caches the snapshot (unless the caller writes the cache entry with its own Redis
        commands: `cache_snapshot=False`) and hands it to the channel layer in a task of this
        loop, so the caller's response does not wait on Redis; the ticket tells when it was
        handed over.
        """
        loop = asyncio.get_running_loop()
        self.bind_loop(loop)
        ticket = BroadcastTicket()
        message = {"type": STATE_MESSAGE_TYPE, "version": version, "text": payload_json, **(extra or {})}
        started = time.perf_counter()

        async def cache_and_send() -> bool:
            if cache_snapshot:
                try:
                    await acache_room_state(room_id=room_id, version=version, payload_json=payload_json)
                except Exception:
                    logger.warning("room state cache write failed", exc_info=True)
            return await self._send(group, version, message, started)

        task = loop.create_task(cache_and_send())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda t: ticket.resolve(not t.cancelled() and t.exception() is None and t.result()))
        return ticket

    def publication(self, *, group: str, version: int, payload_json: str) -> Publication | None:
        """The publish of a committed snapshot as a PUBLISH the caller's pipeline can carry.

        None when the channel layer cannot be addressed that way (the in-memory layer, several
        Redis shards): the caller then uses `publish_committed`. Unlike `_send`, nothing orders
        these per room inside the process; the sockets do (they drop a version older than one
        they sent, and briefly hold one that overtook its predecessor).
        """
        address = getattr(get_channel_layer(), "group_publication", None)
        if address is None:
            return None
        target = address(group, {"type": STATE_MESSAGE_TYPE, "version": version, "text": payload_json})
        if target is None:
            return None
        channel, payload = target
        return Publication(channel, payload, time.perf_counter())

    async def drain(self) -> None:
        """Wait for this loop's pending publish_committed tasks (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def publish(
        self,
        *,
        group: str,
        version: int,
        payload_json: str,
        ticket: BroadcastTicket,
        started: float,
        extra: dict | None = None,
    ) -> None:
        message = {"type": STATE_MESSAGE_TYPE, "version": version, "text": payload_json, **(extra or {})}
        loop = self._target_loop()
        try:
            future = asyncio.run_coroutine_threadsafe(self._send(group, version, message, started), loop)
        except RuntimeError:
            metrics.broadcasts.labels("failed").inc()
            ticket.resolve(False)
            return
        future.add_done_callback(lambda f: ticket.resolve(not f.cancelled() and f.exception() is None and f.result()))

    async def _send(self, group: str, version: int, message: dict, started: float) -> bool:
        slot = self._slot(group)
        async with slot.lock:
            if slot.last_version >= version:
                # A newer snapshot of this room already went out from this process.
                metrics.broadcasts.labels("superseded").inc()
                return True
            try:
                await get_channel_layer().group_send(group, message)
            except Exception as exc:
                outages.broadcasts.failed(exc)  # logged once per outage; each one counted:
                metrics.broadcasts.labels("failed").inc()
                return False
            outages.broadcasts.recovered()
            slot.last_version = version
        metrics.broadcasts.labels("sent").inc()
        metrics.broadcast_handoff_seconds.observe(time.perf_counter() - started)
        return True

    def _slot(self, group: str) -> _RoomSlot:
        slot = self._slots.get(group)
        if slot is None:
            slot = self._slots[group] = _RoomSlot()
            # Bounded: forget the least recently used idle rooms.
            while len(self._slots) > 10_000:
                oldest, oldest_slot = next(iter(self._slots.items()))
                if oldest_slot.lock.locked():
                    break
                del self._slots[oldest]
        else:
            self._slots.move_to_end(group)
        return slot


broadcaster = RoomStateBroadcaster()
