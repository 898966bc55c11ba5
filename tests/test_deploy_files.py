"""The deployment files in deploy/ (issue 15 point 1): the environment template names
every setting, docker-compose.yml is a valid Compose file whose processes run the same
deploy/bin/ commands as the systemd units and CI's production smoke test, the units
pass `systemd-analyze verify`, and nginx's configuration passes `nginx -t` and lets an
import file of the allowed size through."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from accounts.importing import MAX_FILE_SIZE

BASE_DIR = Path(__file__).resolve().parents[1]
DEPLOY = BASE_DIR / "deploy"
SETTINGS = (BASE_DIR / "funnel_crm" / "settings.py").read_text()
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
NGINX = (DEPLOY / "nginx" / "funnel_crm.conf").read_text()
UNITS = sorted((DEPLOY / "systemd").iterdir())
PROCESSES = {"web": "web", "worker": "worker", "beat": "beat", "migrate": "release"}


def settings_variables():
    names = set(re.findall(r"\benv(?:_bool|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS))
    names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", SETTINGS))
    return names


def test_env_example_lists_every_setting_the_app_reads():
    names = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "SLOW_REQUEST_MS", "FUNNEL_VAR_DIR"} <= names  # the scan finds them
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert sorted(names - listed) == [], "missing from deploy/env.example"


def test_env_example_lists_what_the_deploy_scripts_and_compose_read():
    listed = (DEPLOY / "env.example").read_text()
    scripts = "".join(path.read_text() for path in (DEPLOY / "bin").iterdir())
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", scripts))
    used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)[:?}]", (DEPLOY / "docker-compose.yml").read_text()))
    used -= {"FUNNEL_UPSTREAM", "FUNNEL_STATIC_ROOT", "RELEASE_VERBOSITY"}  # set by compose / the smoke test
    missing = sorted(name for name in used if not re.search(rf"^(?:# )?{name}=", listed, re.MULTILINE))
    assert missing == []


# --- docker-compose ----------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification():
    schema = json.loads((BASE_DIR / "tests" / "data" / "compose-spec.json").read_text())
    jsonschema.validate(COMPOSE, schema, cls=jsonschema.Draft7Validator)


def _compose_command():
    """The Compose CLI on this machine: the `docker compose` plugin, else Debian's
    docker-compose 1.29 (`apt-get install docker-compose`), else None."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE_CLI = _compose_command()


@pytest.mark.skipif(
    COMPOSE_CLI is None, reason="no Compose CLI on this machine (the schema test above validates the file)"
)
def test_compose_cli_config_accepts_the_file(tmp_path):
    """`… config` resolves the file with the template's settings: interpolation, anchors,
    depends_on conditions, profiles, every key against the CLI's own schema. docker-compose
    1.29 predates the top-level `name:` (the project name, read by `docker compose`): it
    checks a copy without that one line, and must then find nothing else to refuse."""
    text = (DEPLOY / "docker-compose.yml").read_text()
    if COMPOSE_CLI == ["docker-compose"]:
        text = re.sub(r"^name: .*\n", "", text, count=1, flags=re.MULTILINE)
    (tmp_path / "docker-compose.yml").write_text(text)
    (tmp_path / ".env").write_text((DEPLOY / "env.example").read_text() + "\nPOSTGRES_PASSWORD=x\nSECRET_KEY=x\n")
    result = subprocess.run(
        [*COMPOSE_CLI, "-f", "docker-compose.yml", "--env-file", ".env", "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == set(COMPOSE["services"])
    web = resolved["services"]["web"]
    assert web["environment"]["PROMETHEUS_MULTIPROC_DIR"] in web["tmpfs"]
    assert web["environment"]["DATABASE_URL"] == "postgres://funnel:x@db:5432/funnel_crm"


def test_compose_runs_every_process_through_its_deploy_bin_script():
    services = COMPOSE["services"]
    for service, script in PROCESSES.items():
        assert services[service]["command"] == [f"deploy/bin/{script}"]
        assert os.access(DEPLOY / "bin" / script, os.X_OK)
        assert services[service]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}


def test_compose_migrates_before_the_new_code_starts_and_restarts_what_runs():
    services = COMPOSE["services"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["restart"] == "no"
    for name in ("db", "redis", "web", "worker", "beat", "nginx"):
        assert services[name]["restart"] == "unless-stopped", name
        assert services[name]["healthcheck"]["test"], name
    assert services["nginx"]["depends_on"]["web"] == {"condition": "service_healthy"}
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_compose_redis_keeps_the_broker_queue_on_disk():
    redis = COMPOSE["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_dockerfile_builds_from_python_311_slim_with_the_runtime_requirements_only():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "pip install -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile
    assert "manage.py collectstatic" in dockerfile
    assert re.search(r"^USER funnel$", dockerfile, re.MULTILINE)


# --- the same commands in CI ------------------------------------------------------------------------


def test_smoke_test_and_systemd_units_run_the_same_deploy_bin_scripts_as_compose():
    smoke = (BASE_DIR / "scripts" / "smoke_production.sh").read_text()
    for script in PROCESSES.values():
        assert re.search(rf"^(?:\S+=\S+ )*deploy/bin/{script}\b", smoke, re.MULTILINE), script
        unit = DEPLOY / "systemd" / f"funnel-crm-{script}.service"
        assert f"ExecStart=/srv/funnel-crm/app/deploy/bin/{script}\n" in unit.read_text()
    assert "gunicorn " not in smoke and "celery -A" not in smoke and "manage.py migrate" not in smoke


# --- systemd ------------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (no systemd)")
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as installed, with the application folder pointed at this checkout
    (verify checks that every ExecStart is an executable file)."""
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/funnel-crm/app", str(BASE_DIR)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(p.name for p in tmp_path.iterdir())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "funnel-crm" not in result.stderr, result.stderr


def test_systemd_units_start_web_worker_and_beat_after_the_release_step():
    for name in ("web", "worker", "beat"):
        text = (DEPLOY / "systemd" / f"funnel-crm-{name}.service").read_text()
        assert "Requires=funnel-crm-release.service" in text
        assert re.search(r"^After=funnel-crm-release\.service", text, re.MULTILINE)
        assert "Restart=always" in text
    release = (DEPLOY / "systemd" / "funnel-crm-release.service").read_text()
    assert "Type=oneshot" in release
    assert "OnCalendar=" in (DEPLOY / "systemd" / "funnel-crm-backup.timer").read_text()


# --- nginx --------------------------------------------------------------------------------------


def _megabytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_nginx_upload_limit_lets_an_import_file_of_the_allowed_size_through():
    """Above the import limit, so the app answers a file slightly too big with its own
    message naming the limit; at most 2 MB above, so nginx refuses anything larger."""
    [limit] = re.findall(r"client_max_body_size (\S+);", NGINX)
    assert MAX_FILE_SIZE < _megabytes(limit) <= MAX_FILE_SIZE + 2 * 1024 * 1024


def test_nginx_compresses_and_sends_security_headers():
    assert re.search(r"^\s*gzip on;", NGINX, re.MULTILINE)
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert f"add_header {header} " in NGINX, header
    assert "Content-Security-Policy" in NGINX  # the marked place: Django sends it
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in NGINX


def test_gunicorn_keeps_idle_connections_longer_than_nginx_reuses_them():
    # Otherwise gunicorn may close a connection just as nginx sends a request on it: a 502 that
    # nginx does not retry for a POST.
    upstream = re.search(r"upstream funnel_crm_web \{(.*?)\n\}", NGINX, re.DOTALL).group(1)
    nginx_idle = int(re.search(r"keepalive_timeout (\d+)s;", upstream).group(1))
    web = (DEPLOY / "bin" / "web").read_text()
    gunicorn_idle = int(re.search(r'--keep-alive "\$\{GUNICORN_KEEPALIVE:-(\d+)\}"', web).group(1))
    assert gunicorn_idle > nginx_idle
    assert re.search(r"^# GUNICORN_KEEPALIVE=" + str(gunicorn_idle) + "$", (DEPLOY / "env.example").read_text(), re.M)


def test_nginx_template_uses_exactly_the_variables_compose_fills_in():
    variables = set(re.findall(r"\$\{([A-Z_]+)\}", NGINX))
    assert variables == set(COMPOSE["services"]["nginx"]["environment"])


def _render_nginx(tmp_path):
    values = {"SERVER_NAME": "crm.example.cn", "FUNNEL_UPSTREAM": "127.0.0.1:8000", "FUNNEL_STATIC_ROOT": "/tmp/"}
    server = re.sub(r"\$\{([A-Z_]+)\}", lambda match: values[match.group(1)], NGINX)
    certificate = ["-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=x", *certificate],
        check=True,
        capture_output=True,
    )
    (tmp_path / "server.conf").write_text(server.replace("/etc/ssl/funnel-crm/", f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/server.conf;\n}}\n"
    )
    return tmp_path / "nginx.conf"


NGINX_BIN = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


@pytest.mark.skipif(not (NGINX_BIN and shutil.which("openssl")), reason="nginx or openssl is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    config = _render_nginx(tmp_path)
    result = subprocess.run(
        [NGINX_BIN, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
