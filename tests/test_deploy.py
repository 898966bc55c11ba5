"""What a production install needs beyond the test venv (scripts/smoke_production.sh
runs the whole deploy; these are the quick checks of the two things it found)."""

import os
import re
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

BASE_DIR = Path(__file__).resolve().parents[1]


def pinned_runtime_requirements():
    names = {}
    for line in (BASE_DIR / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            names[re.sub(r"[-_.]+", "-", requirement.name).lower()] = requirement
    return names


def test_requirements_pin_what_kombus_redis_transport_imports():
    """kombu's Redis transport imports packages it declares only in its "redis" extra
    (e.g. `packaging`): requirements.txt alone must bring them, or the worker cannot
    start and /healthz answers "broker: down"."""
    pinned = pinned_runtime_requirements()
    for text in requires("kombu"):
        requirement = Requirement(text)
        if requirement.marker and requirement.marker.evaluate({"extra": "redis"}):
            name = re.sub(r"[-_.]+", "-", requirement.name).lower()
            assert name in pinned, f"requirements.txt lacks {requirement} (kombu's redis extra)"
            version = next(spec.version for spec in pinned[name].specifier if spec.operator == "==")
            assert requirement.specifier.contains(version), (
                f"requirements.txt pins {pinned[name]}, kombu's redis extra wants {requirement}"
            )


def test_beat_keeps_its_schedule_in_the_var_dir(tmp_path):
    """A production beat must not write into the working directory (a deploy's code
    folder); its schedule goes to FUNNEL_VAR_DIR, created if missing."""
    var_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="k3Jx9-q2Lm8-Zp4Vt7-Wn6Rb1-Yc5Hd0-Fg3Se8-Ua2Ti9-Oe7Kl4",
        ALLOWED_HOSTS="crm.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/0",
        FUNNEL_VAR_DIR=str(var_dir),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from funnel_crm.celery import app; print(app.conf.beat_schedule_filename)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(var_dir / "celerybeat-schedule")
    assert var_dir.is_dir()


def _run_sh_site_url(**env):
    """What SITE_URL run.sh gives the server, worker and beat: its own lines that set
    HOST, PORT and SITE_URL, run by bash in an environment of our choosing."""
    lines = [
        line
        for line in (BASE_DIR / "scripts" / "run.sh").read_text().splitlines()
        if re.match(r"^(HOST|PORT)=|^export SITE_URL=", line)
    ]
    assert len(lines) == 3, lines
    base = {k: v for k, v in os.environ.items() if k not in {"HOST", "PORT", "SITE_URL"}}
    result = subprocess.run(
        ["bash", "-c", "\n".join([*lines, 'echo "$SITE_URL"'])],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_run_sh_links_emails_to_its_own_address_unless_site_url_is_set():
    assert _run_sh_site_url() == "http://127.0.0.1:8000"
    assert _run_sh_site_url(HOST="192.168.1.20", PORT="8080") == "http://192.168.1.20:8080"
    assert _run_sh_site_url(HOST="0.0.0.0", SITE_URL="https://crm.example.cn") == "https://crm.example.cn"
