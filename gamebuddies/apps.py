"""The project package as an app, so process-wide hooks are connected in every process
(Uvicorn workers, run_worker, management commands, tests), not only where middleware loads."""

from django.apps import AppConfig


class GameBuddiesConfig(AppConfig):
    name = "gamebuddies"
    verbose_name = "GameBuddies platform"

    def ready(self):
        # Pooled PostgreSQL connections are tested before their first statement.
        from gamebuddies import db_resilience  # noqa: F401
