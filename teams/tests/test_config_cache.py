"""The configuration kept per process (teams.config_cache) against a real Redis, and with Redis
down: then every page reads the rows itself, and the cache is not asked again for a pause (a
hanging Redis would otherwise cost its timeout on every page)."""

import pytest

from funnel_crm.outage import ForgivingRedisCache
from teams import config_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(monkeypatch):
    loads = []
    monkeypatch.setitem(config_cache._loaders, "test-rows", lambda: loads.append(1) or len(loads))
    yield loads
    config_cache.config_forget()


def test_a_kept_value_holds_until_the_configuration_changes(counted):
    assert config_cache.config("test-rows") == 1
    assert config_cache.config("test-rows") == 1
    config_cache.config_changed()
    assert config_cache.config("test-rows") == 2
    assert len(counted) == 2


def test_with_redis_down_every_read_loads_and_the_cache_rests(counted, monkeypatch):
    down = ForgivingRedisCache("redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    monkeypatch.setattr(config_cache, "cache", down)
    asked = []
    original = down.get
    monkeypatch.setattr(down, "get", lambda *args, **kwargs: asked.append(1) or original(*args, **kwargs))
    assert [config_cache.config("test-rows") for _ in range(3)] == [1, 2, 3]
    assert len(asked) == 2  # the first read asked twice (get, add failed, get); the next two did not ask
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: float("inf"))
    config_cache.config("test-rows")
    assert len(asked) == 4  # after the pause it asks again
