import uuid

import pytest


def test_set_get_expire_and_pipeline(redis_client):
    key = f"test:stack:{uuid.uuid4().hex}"
    assert redis_client.set(key, "hello", ex=60)
    assert redis_client.get(key) == b"hello"
    assert 0 < redis_client.ttl(key) <= 60
    with redis_client.pipeline() as pipe:
        pipe.incr(f"{key}:n").incr(f"{key}:n").zadd(f"{key}:z", {"a": 2, "b": 1})
        assert pipe.execute() == [1, 2, 2]
    assert redis_client.zrange(f"{key}:z", 0, -1) == [b"b", b"a"]
    assert redis_client.delete(key, f"{key}:n", f"{key}:z") == 3


def test_persistence_is_the_append_only_file_rewritten_seldom(redis_client, stack_settings):
    if stack_settings.is_external("redis"):
        pytest.skip("an external Redis has its owner's settings")
    config = {
        **redis_client.config_get("appendonly"),
        **redis_client.config_get("maxmemory-policy"),
        **redis_client.config_get("auto-aof-rewrite-*"),
    }
    assert config["appendonly"] == "yes"
    assert config["maxmemory-policy"] == "volatile-lru"
    assert int(config["auto-aof-rewrite-percentage"]) == 400
    assert int(config["auto-aof-rewrite-min-size"]) == 1024**3
