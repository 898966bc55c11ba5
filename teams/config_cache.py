"""Configuration rows that every project page reads and admins rarely change (the checklist
items, the pipelines' stages and their exit checks), kept per process.

What a process keeps is tagged with a version held in the shared cache (Redis in
production): any save or delete of a registered model sets a new version, so every process
reads the rows again at its next use. The version is set at once (this process and the
others see the change before their next read) and again when the transaction commits (a
read made in between saw the rows before the commit and is not kept). Writes that skip the
model's signals (``bulk_update``, ``QuerySet.update``) call :func:`config_changed`; what is
kept is also read again after ``MAX_AGE`` seconds, so a change made behind the code's back
(a shell, a migration) shows within a minute. Without a working cache every use reads the rows.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

VERSION_KEY = "config-cache:version"
MAX_AGE = 60.0

_loaders: dict[str, Callable] = {}
_kept: dict[str, tuple[str, float, object]] = {}
_lock = threading.Lock()


def config_register(*, name: str, load: Callable, models: tuple) -> None:
    """Keep ``load()`` under ``name``, read again whenever a row of ``models`` is saved or
    deleted. Called in an ``AppConfig.ready`` (idempotent)."""
    _loaders[name] = load
    for model in models:
        uid = f"config-cache:{model._meta.label}"
        post_save.connect(_model_changed, sender=model, dispatch_uid=f"{uid}:save", weak=False)
        post_delete.connect(_model_changed, sender=model, dispatch_uid=f"{uid}:delete", weak=False)


def _model_changed(**kwargs) -> None:
    config_changed()


def config_changed() -> None:
    """The configuration changed: every process reads it again (now, and once committed)."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    with _lock:
        _kept.clear()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:  # the cache is down: nothing is kept while it is (``_version``)
        logger.warning("config cache: could not set a new version", exc_info=True)


# While the cache looks down (monotonic time until which it is not asked again): a hanging
# Redis costs its socket timeout once per DOWN_PAUSE, not on every page.
DOWN_PAUSE = 5.0
_down_until = 0.0


def _version() -> str | None:
    global _down_until
    if time.monotonic() < _down_until:
        return None
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            candidate = uuid.uuid4().hex
            version = candidate if cache.add(VERSION_KEY, candidate, None) else cache.get(VERSION_KEY)
    except Exception:
        version = None
    if version is None:  # neither read nor written: the cache is down (ForgivingRedisCache says None)
        logger.warning("config cache: no version, reading the rows")
        _down_until = time.monotonic() + DOWN_PAUSE
    return version


def config(name: str):
    """The value registered as ``name``: the one this process keeps while the version holds,
    else ``load()`` read again. Callers must not change it (other requests share it)."""
    version = _version()
    now = time.monotonic()
    found = _kept.get(name)
    if version is not None and found is not None and found[0] == version and now - found[1] < MAX_AGE:
        return found[2]
    value = _loaders[name]()
    if version is not None:
        with _lock:
            _kept[name] = (version, now, value)
    return value


def config_forget() -> None:
    """Drop what this process keeps (tests: each one's rows are rolled back after it)."""
    global _down_until
    with _lock:
        _kept.clear()
    _down_until = 0.0
