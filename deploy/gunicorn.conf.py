"""gunicorn's settings file for deploy/bin/web (its command line sets the rest).

/metrics with several gunicorn processes (deploy/README.md, "Logs and metrics"):
every process counts its own requests, so with ``PROMETHEUS_MULTIPROC_DIR`` set
prometheus-client's multiprocess mode keeps each process's figures in files in that
folder and /metrics sums them. The folder belongs to this gunicorn: emptied when the
master starts (figures of an earlier run would otherwise be added to this one's; a
reload with HUP keeps them), and a worker that exits has its live gauges removed
(``mark_process_dead``), while its counters stay in the sums.
"""

import os
from pathlib import Path


def _multiprocess_dir() -> Path | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(path) if path else None


def on_starting(server):
    folder = _multiprocess_dir()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    server.log.info("Prometheus multiprocess mode: %s (emptied)", folder)


def child_exit(server, worker):
    if _multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
