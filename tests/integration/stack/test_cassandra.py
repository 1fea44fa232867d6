import random


def test_home_timeline_write_and_read_newest_first(cassandra_session):
    user_id, bucket = random.getrandbits(62), 2026_11
    insert = cassandra_session.prepare(
        "INSERT INTO home_timeline (user_id, bucket, post_id, author_id) VALUES (?, ?, ?, ?)"
    )
    for post_id in (101, 303, 202):
        cassandra_session.execute(insert, (user_id, bucket, post_id, 7))
    rows = cassandra_session.execute(
        "SELECT post_id, author_id FROM home_timeline WHERE user_id = %s AND bucket = %s LIMIT 2",
        (user_id, bucket),
    )
    assert [(r.post_id, r.author_id) for r in rows] == [(303, 7), (202, 7)]


def test_user_timeline_exists_with_its_key(cassandra_session):
    table = cassandra_session.cluster.metadata.keyspaces["feedmesh"].tables["user_timeline"]
    assert [c.name for c in table.partition_key] == ["author_id", "bucket"]
    assert [c.name for c in table.clustering_key] == ["post_id"]
    assert table.clustering_key[0].is_reversed


def test_keyspace_is_simple_strategy_rf1(cassandra_session):
    ks = cassandra_session.cluster.metadata.keyspaces["feedmesh"]
    assert ks.replication_strategy.replication_factor == 1
