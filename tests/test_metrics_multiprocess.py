"""/metrics with several gunicorn workers (issue 15 point 7, deploy/gunicorn.conf.py):
deploy/bin/web with two workers and PROMETHEUS_MULTIPROC_DIR answers /metrics with the
requests of both workers summed, empties the folder of an earlier run when it starts,
and a worker that dies has its live gauges removed while its counts stay in the sums."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest, multiprocess

BASE_DIR = Path(__file__).resolve().parents[1]
REQUESTS = 40
LOGIN_COUNT = re.compile(
    r'^django_http_responses_total_by_status_view_method_total\{(?=[^}]*method="GET")(?=[^}]*status="200")'
    r'(?=[^}]*view="login")[^}]*\} (\S+)$',
    re.MULTILINE,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def _login_count(text: str) -> float:
    return sum(float(value) for value in LOGIN_COUNT.findall(text))


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _per_file_login_counts(folder: Path, scratch: Path) -> dict[int, float]:
    """Each worker's own count, read from its counter file alone."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        single = scratch / path.stem
        single.mkdir(parents=True)
        shutil.copy(path, single / path.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(single))
        counts[int(path.stem.split("_")[-1])] = _login_count(generate_latest(registry).decode())
    return counts


def _wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def gunicorn_two_workers(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"from an earlier run")
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "METRICS_ENABLED": "true",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
        "REQUEST_LOG": "false",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(BASE_DIR / "deploy" / "bin" / "web")], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"

    def answering():
        try:
            return len(_workers(process.pid)) == 2 and bool(_get(f"{base}/login/"))
        except OSError:
            return process.poll() is not None and pytest.fail((tmp_path / "gunicorn.log").read_text())

    try:
        _wait_until(answering, 90, "gunicorn's two workers")
        yield process, base, folder
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_metrics_sum_the_requests_of_both_gunicorn_workers(gunicorn_two_workers, tmp_path):
    process, base, folder = gunicorn_two_workers
    assert not (folder / "counter_999999.db").exists()  # emptied when gunicorn started
    already = _login_count(_get(f"{base}/metrics"))  # the start-up probes
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_get, [f"{base}/login/"] * REQUESTS))

    workers = _workers(process.pid)
    per_worker = _per_file_login_counts(folder, tmp_path / "single")
    assert set(per_worker) == workers
    assert all(count > 0 for count in per_worker.values()), per_worker  # both workers served requests
    total = sum(per_worker.values())
    assert total == already + REQUESTS
    # Whichever worker answers /metrics, it reports both workers' requests.
    for _ in range(6):
        assert _login_count(_get(f"{base}/metrics")) == total

    # A worker dies: gunicorn's child_exit hook removes its live gauges; its counts stay summed.
    victim = min(workers)
    live_gauge = folder / f"gauge_livesum_{victim}.db"
    shutil.copy(folder / f"counter_{victim}.db", live_gauge)
    os.kill(victim, signal.SIGKILL)
    _wait_until(lambda: not live_gauge.exists() and len(_workers(process.pid) - workers) == 1, 60, "a new worker")
    assert _login_count(_get(f"{base}/metrics")) == total
