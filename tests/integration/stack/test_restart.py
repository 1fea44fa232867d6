"""Stopping Kafka and Cassandra (cleanly with ctl.sh, or by a crash) and starting them again keeps their data."""

import os
import random
import signal
import subprocess
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from services.common.polling import wait_for_sync, wait_until_sync
from stack import clients
from stack.schema import kafka as kafka_schema
from stack.settings import ROOT, RUN, load_settings

_settings = load_settings()
pytestmark = pytest.mark.skipif(
    _settings.is_external("kafka") or _settings.is_external("cassandra"),
    reason="Kafka or Cassandra is external: not ours to restart",
)


def ctl(*commands: tuple[str, str]) -> None:
    """Run `stack/ctl.sh ACTION COMPONENT` for each pair, side by side, and check they all succeed."""
    procs = [
        subprocess.Popen(["bash", str(ROOT / "stack" / "ctl.sh"), action, comp], cwd=ROOT) for action, comp in commands
    ]
    assert [p.wait(timeout=240) for p in procs] == [0] * len(procs)


def write_message(settings) -> str:
    topic = f"test.restart.{uuid.uuid4().hex[:10]}"
    kafka_schema.apply(settings, [kafka_schema.Topic(topic, 1, 3_600_000, 1 << 30)])
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, api_version=clients.KAFKA_API_VERSION, acks="all"
    )
    producer.send(topic, b"before the restart").get(timeout=10)
    producer.close()
    return topic


def read_messages(settings, topic) -> list[bytes]:
    """The topic's first message, read by a new consumer group; a broker that has just restarted may refuse
    the first connections, so a consumer that fails is replaced, for up to 30 s."""
    consumer: KafkaConsumer | None = None

    def first_message() -> list[bytes]:
        nonlocal consumer
        try:
            if consumer is None:
                consumer = KafkaConsumer(
                    topic,
                    bootstrap_servers=settings.kafka_bootstrap,
                    api_version=clients.KAFKA_API_VERSION,
                    group_id=f"test-restart-{uuid.uuid4().hex[:8]}",
                    auto_offset_reset="earliest",
                )
            return [r.value for records in consumer.poll(timeout_ms=500).values() for r in records][:1]
        except KafkaError:
            if consumer is not None:
                consumer.close()
                consumer = None
            return []

    try:
        return wait_for_sync(first_message, bool, what=f"the first message of {topic}", within=30, interval=0.1)
    finally:
        if consumer is not None:
            consumer.close()


def gone(pid: int) -> bool:
    """True once the process has exited (a zombie waiting for its reaper counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def our_pid(name: str) -> int:
    return int((RUN / "pids" / f"{name}.pid").read_text().split()[0])


def test_ctl_stop_and_start_keep_kafka_and_cassandra_data(stack_settings):
    user_id = random.getrandbits(62)
    cluster = clients.cassandra_cluster(stack_settings)
    cluster.connect("feedmesh").execute(
        "INSERT INTO home_timeline (user_id, bucket, post_id, author_id) VALUES (%s, 1, 42, 7)", (user_id,)
    )
    cluster.shutdown()
    topic = write_message(stack_settings)

    before = {name: our_pid(name) for name in ("kafka", "cassandra")}
    ctl(("stop", "kafka"), ("stop", "cassandra"))
    # (not "it does not answer": another session sharing this stack may start it again at once)
    assert all(gone(pid) for pid in before.values())
    ctl(("start", "kafka"), ("start", "cassandra"))

    cluster = clients.cassandra_cluster(stack_settings)
    row = (
        cluster.connect("feedmesh")
        .execute("SELECT post_id, author_id FROM home_timeline WHERE user_id = %s AND bucket = 1", (user_id,))
        .one()
    )
    cluster.shutdown()
    assert (row.post_id, row.author_id) == (42, 7)
    assert read_messages(stack_settings, topic) == [b"before the restart"]
    kafka_admin = clients.kafka_admin(stack_settings)
    kafka_admin.delete_topics([topic])
    kafka_admin.close()


def test_make_up_brings_a_crashed_broker_back_with_its_data(stack_settings):
    topic = write_message(stack_settings)
    pid = our_pid("kafka")
    os.kill(pid, signal.SIGKILL)
    wait_until_sync(lambda: gone(pid), what=f"the killed broker (pid {pid}) gone", within=30, interval=0.1)

    # the data tier only: the hooks (services) are not what this test is about
    env = {**os.environ, "FEEDMESH_UP_HOOKS": "0"}
    subprocess.run(["bash", str(ROOT / "stack" / "up.sh")], cwd=ROOT, env=env, check=True, timeout=240)

    assert read_messages(stack_settings, topic) == [b"before the restart"]
    kafka_admin = clients.kafka_admin(stack_settings)
    kafka_admin.delete_topics([topic])
    kafka_admin.close()
