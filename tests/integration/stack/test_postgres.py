import uuid

from stack.schema import postgres as pg_schema


async def test_transaction_rollback_then_commit(pg_conn):
    await pg_conn.execute("CREATE TEMP TABLE items (id bigint PRIMARY KEY, name text NOT NULL)")
    try:
        async with pg_conn.transaction():
            await pg_conn.execute("INSERT INTO items VALUES (1, 'rolled back')")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert await pg_conn.fetchval("SELECT count(*) FROM items") == 0
    async with pg_conn.transaction():
        await pg_conn.execute("INSERT INTO items VALUES (2, 'committed')")
    assert await pg_conn.fetch("SELECT id, name FROM items") == [(2, "committed")]


async def test_migrations_of_the_repo_are_applied(pg_conn, stack_settings):
    applied = {r["version"] for r in await pg_conn.fetch("SELECT version FROM schema_migrations")}
    assert {p.name for p in pg_schema.migrations()} <= applied
    # re-running is a no-op
    assert "applied now: none" in await pg_schema.apply_async(stack_settings)


async def test_runner_applies_new_files_once_in_order(pg_conn, tmp_path):
    # in a schema of its own, so that the real schema_migrations is not touched
    schema = f"test_{uuid.uuid4().hex[:12]}"
    (tmp_path / "0001_init.sql").write_text((pg_schema.MIGRATIONS_DIR / "0001_init.sql").read_text())
    (tmp_path / "0010_b.sql").write_text("INSERT INTO t VALUES (10);")
    (tmp_path / "0002_a.sql").write_text("CREATE TABLE t (v int);")
    await pg_conn.execute(f"CREATE SCHEMA {schema}")
    try:
        await pg_conn.execute(f"SET search_path TO {schema}")
        files = pg_schema.migrations(tmp_path)
        assert [p.name for p in files] == ["0001_init.sql", "0002_a.sql", "0010_b.sql"]
        assert await pg_schema.migrate(pg_conn, files[:2]) == ["0001_init.sql", "0002_a.sql"]
        assert await pg_schema.migrate(pg_conn, files) == ["0010_b.sql"]
        assert await pg_schema.migrate(pg_conn, files) == []
        assert await pg_conn.fetchval("SELECT count(*) FROM t") == 1
        (tmp_path / "0002_a.sql").write_text("CREATE TABLE t (v bigint);")
        try:
            await pg_schema.migrate(pg_conn, pg_schema.migrations(tmp_path))
            raise AssertionError("a changed migration must be refused")
        except RuntimeError as exc:
            assert "0002_a.sql changed" in str(exc)
    finally:
        await pg_conn.execute("RESET search_path")
        await pg_conn.execute(f"DROP SCHEMA {schema} CASCADE")
