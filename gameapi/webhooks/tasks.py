"""django-tasks entry points of the webhook worker (run by `manage.py run_worker`)."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from .delivery import deliver_room
from .senders import sender_pool

logger = logging.getLogger(__name__)


@task()
def deliver_room_webhooks(room_id: str) -> None:
    # Attempts run on this process's sender threads; the task itself returns within
    # WEBHOOK_DISPATCH_WAIT_SECONDS, so the next room's deliveries are not held up.
    come_back_at = deliver_room(room_id, senders=sender_pool(), on_detached_finish=lambda: schedule_room(room_id))
    if come_back_at is not None:
        # The next retry (or a busy endpoint) is a deferred task, not a sleeping worker.
        schedule_room(room_id, at=come_back_at)


def schedule_room(room_id, *, at: datetime | None = None) -> None:
    """Have a worker look at this room's deliveries at `at` (now by default).

    A visit already booked for no later than that is enough: many room changes or retries
    of one room keep one chain of deferred tasks, not one each.
    """
    at = at or timezone.now()
    key, when = f"webhook-room-visit:{room_id}", at.timestamp()
    try:
        booked = cache.get(key)
        if booked is not None and time.time() < booked <= when + 1:
            return
        cache.set(key, when, timeout=max(1, int(when - time.time())) + 300)
    except Exception:  # the cache is an optimisation here: a duplicate visit is harmless
        logger.debug("webhook visit bookkeeping unavailable", exc_info=True)
    deliver_room_webhooks.using(run_after=at).enqueue(room_id=str(room_id))
