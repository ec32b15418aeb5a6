"""Run work on several threads at once, for tests of concurrent writers."""

from __future__ import annotations

import threading

from django.db import connections


def run_concurrently(count, work):
    """Start `count` threads on a barrier so their transactions really overlap; returns their errors."""
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            work(index)
        except Exception as exc:  # collected and asserted on by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
