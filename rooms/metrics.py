"""The rooms app's scrape-time metric: rooms by status, asked of the database on each scrape."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily

from .models import RoomStatus
from .selectors import rooms_count_by_status

logger = logging.getLogger(__name__)


class RoomsByStatusCollector:
    """gamebuddies_rooms{status}: one GROUP BY over rooms at scrape time, so it is never stale."""

    name = "gamebuddies_rooms"
    documentation = "Rooms by status"

    def describe(self):
        return [GaugeMetricFamily(self.name, self.documentation, labels=["status"])]

    def collect(self):
        try:
            counts = rooms_count_by_status()
        except DatabaseError:
            logger.warning("metrics: rooms by status unavailable (database error)")
            return
        family = GaugeMetricFamily(self.name, self.documentation, labels=["status"])
        for status in RoomStatus.values:
            family.add_metric([status], counts.get(status, 0))
        yield family
