"""Production settings pass Django's deployment checklist (issue: security)."""

import os
import subprocess
import sys

from django.conf import settings


def _manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "GAMEBUDDIES_ENV")}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={"GAMEBUDDIES_ENV": "production", "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-" + "y" * 30},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env_extra={"GAMEBUDDIES_ENV": "production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
