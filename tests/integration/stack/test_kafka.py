import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from stack import clients
from stack.schema import kafka as kafka_schema


def _partitions(admin, topic):
    [described] = admin.describe_topics([topic])
    return len(described["partitions"])


def test_declared_topics_exist(kafka_admin):
    for topic in kafka_schema.read_topics():
        assert _partitions(kafka_admin, topic.name) >= topic.partitions, topic.name


def test_produce_consume_in_a_group_and_commit(kafka_admin, stack_settings):
    topic, group = f"test.stack.{uuid.uuid4().hex[:10]}", f"test-group-{uuid.uuid4().hex[:8]}"
    # declared like the real topics, then grown: the schema step creates and adds partitions
    kafka_schema.apply(stack_settings, [kafka_schema.Topic(topic, 1, 3_600_000, 1 << 30)])
    kafka_schema.apply(stack_settings, [kafka_schema.Topic(topic, 2, 3_600_000, 1 << 30)])
    assert _partitions(kafka_admin, topic) == 2
    try:
        producer = KafkaProducer(
            bootstrap_servers=stack_settings.kafka_bootstrap,
            api_version=clients.KAFKA_API_VERSION,
            acks="all",
        )
        for i in range(5):
            producer.send(topic, key=b"k", value=f"m{i}".encode(), partition=0)
        producer.flush(timeout=10)
        producer.close()

        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=stack_settings.kafka_bootstrap,
            api_version=clients.KAFKA_API_VERSION,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        values: list[bytes] = []
        for _ in range(40):
            for records in consumer.poll(timeout_ms=500).values():
                values += [r.value for r in records]
            if len(values) >= 5:
                break
        consumer.commit()
        tp = TopicPartition(topic, 0)
        assert consumer.committed(tp) == 5
        consumer.close()
        assert values == [b"m0", b"m1", b"m2", b"m3", b"m4"]

        # the broker holds the group's offset: a new member of the group starts after it
        offsets = kafka_admin.list_group_offsets({group: None})[group]
        assert offsets[tp].offset == 5
    finally:
        kafka_admin.delete_topics([topic])
