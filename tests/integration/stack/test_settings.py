from stack.settings import load_settings


def test_defaults_are_local_and_derived_from_ports():
    s = load_settings({"FEEDMESH_REDIS_PORT": "6400"})
    assert s.redis_url == "redis://127.0.0.1:6400/0"
    assert not s.is_external("redis")


def test_an_address_set_elsewhere_is_external():
    s = load_settings({"FEEDMESH_PG_DSN": "postgresql://u:p@db.example:5432/x"})
    assert s.is_external("postgres")
    assert not s.is_external("kafka")
