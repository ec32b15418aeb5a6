"""One scrape counts the work of every worker process (issue: operations).

Two Uvicorn worker processes share one listening socket and PROMETHEUS_MULTIPROC_DIR.
Rooms are created over HTTP until both processes have created some (read from each
process's own metrics file); then every scrape, whichever process answers it,
reports the total.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from deploy.stack import prepare_metrics_dir
from tests.gameapi.client import make_key
from tests.live import running_server

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOM_CREATED = ("gamebuddies_room_changes_total", (("event", "room_created"),))


def _create_room(base_url: str, raw_key: str, number: int) -> None:
    # Each body differs: identical concurrent requests would be deduplicated.
    request = urllib.request.Request(
        f"{base_url}/api/v2/rooms",
        data=json.dumps({"hostName": f"Host {number}"}).encode(),
        headers={"X-API-Key": raw_key, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback test server
            assert response.status == 201
    except urllib.error.HTTPError as error:
        raise AssertionError(error.read()) from error


def _scrape(base_url: str) -> dict:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _rooms_created_per_process(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count, read from its file in the multiprocess directory."""
    per_process = {}
    for path in metrics_dir.glob("counter_*.db"):
        for family in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in family.samples:
                if (sample.name, tuple(sorted(sample.labels.items()))) == ROOM_CREATED and sample.value:
                    per_process[path.stem] = sample.value
    return per_process


def test_one_scrape_reports_the_rooms_created_by_both_worker_processes(tmp_path):
    metrics_dir = prepare_metrics_dir(tmp_path / "metrics")
    raw_key, _ = make_key()
    with running_server(workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}) as url:
        created = 0
        with ThreadPoolExecutor(max_workers=4) as pool:
            # Concurrent connections, so both processes accept some; at most 24 rooms.
            while created < 24 and len(_rooms_created_per_process(metrics_dir)) < 2:
                list(pool.map(lambda n: _create_room(url, raw_key, n), range(created, created + 4)))
                created += 4
        per_process = _rooms_created_per_process(metrics_dir)
        assert len(per_process) == 2, f"one process served every request: {per_process}"
        assert sum(per_process.values()) == created

        scrapes = [_scrape(url) for _ in range(8)]
        assert [scrape[ROOM_CREATED] for scrape in scrapes] == [created] * 8
        # The scrape-time collector reads the database, whoever answers.
        assert all(scrape[("gamebuddies_rooms", (("status", "lobby"),))] == created for scrape in scrapes)
