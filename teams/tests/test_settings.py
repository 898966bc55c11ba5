"""The production switch, run as a real `manage.py` process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3Jx9-q2Lm8-Zp4Vt7-Wn6Rb1-Yc5Hd0-Fg3Se8-Ua2Ti9-Oe7Kl4",
    "ALLOWED_HOSTS": "crm.example.cn",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/funnel_crm"),
}


def manage(*args, env):
    unsafe = {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unsafe}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_without_a_required_setting_stops_with_one_line(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Funnel CRM cannot start: {missing} must be set when DJANGO_ENV=production."
    ]


def test_an_unknown_environment_name_is_refused():
    result = manage("check", env={"DJANGO_ENV": "prod"})
    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


def test_the_embedded_default_broker_has_its_folders(tmp_path):
    """Without REDIS_URL, Celery uses kombu's file-system transport; its worker polls these folders."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ENV"}}
    env["FUNNEL_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'funnel_crm.settings'; "
            "django.setup(); from django.conf import settings; print(settings.CELERY_BROKER_URL)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "filesystem://", result.stderr
    assert (tmp_path / "broker").is_dir() and (tmp_path / "broker-control").is_dir()
