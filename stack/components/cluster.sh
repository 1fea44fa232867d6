# The members the cluster topology adds to the first node of each engine (stack/topologies/cluster.env,
# docs/cluster.md). Each is a component of its own (a pid file, a readiness probe), so `make up` brings back a killed
# member like any other component.

# Kafka nodes 2 and 3 (node ids 2 and 3, the Raft voters of FEEDMESH_KAFKA_VOTERS)
start_kafka-2() { start_kafka_node kafka-2 2 "$FEEDMESH_KAFKA_2_PORT" "$FEEDMESH_KAFKA_2_CONTROLLER_PORT"; }
start_kafka-3() { start_kafka_node kafka-3 3 "$FEEDMESH_KAFKA_3_PORT" "$FEEDMESH_KAFKA_3_CONTROLLER_PORT"; }

# Cassandra nodes 2 and 3, one token each: the ring split in three equal ranges (Murmur3: -2^63 .. 2^63-1). They
# start beside the seed (the first node) and must hear from it in their first gossip round, which lasts the ring
# delay: the single node's 100 ms (conf/cassandra-jvm.options) is too short for a seed still starting.
CASSANDRA_MEMBER_OPTS=(-Dcassandra.ring_delay_ms=90000)
start_cassandra-2() { start_cassandra_node cassandra-2 127.0.0.2 -6148914691236517206 "${CASSANDRA_MEMBER_OPTS[@]}"; }
start_cassandra-3() { start_cassandra_node cassandra-3 127.0.0.3 6148914691236517205 "${CASSANDRA_MEMBER_OPTS[@]}"; }

# The Redis replica: the primary's settings (stack/components/redis.sh), replicating the address the sentinels
# name as primary, or the first node when none answers (the first start)
start_redis-replica() {
    local primary
    primary=$("$PY" -m stack.sentinel_primary 2>/dev/null) || primary="127.0.0.1 $FEEDMESH_REDIS_PORT"
    mkdir -p "$RUN/redis-replica"
    # shellcheck disable=SC2086  # "host port"
    spawn redis-replica redis-server --port "$FEEDMESH_REDIS_REPLICA_PORT" --dir "$RUN/redis-replica" \
        --replicaof $primary "${REDIS_ARGS[@]}"
}

# The sentinels: their config is written at their first start only, then kept by them (Sentinel rewrites it)
start_sentinel_node() {
    local name=$1 dir="$RUN/$1"
    mkdir -p "$dir"
    export FEEDMESH_SENTINEL_NODE_PORT=$2 FEEDMESH_SENTINEL_NODE_DIR=$dir
    [[ -f $dir/sentinel.conf ]] || render "$STACK_DIR/conf/redis-sentinel.conf" "$dir/sentinel.conf"
    spawn "$name" redis-server "$dir/sentinel.conf" --sentinel
}
start_sentinel-1() { start_sentinel_node sentinel-1 "$FEEDMESH_SENTINEL_1_PORT"; }
start_sentinel-2() { start_sentinel_node sentinel-2 "$FEEDMESH_SENTINEL_2_PORT"; }
start_sentinel-3() { start_sentinel_node sentinel-3 "$FEEDMESH_SENTINEL_3_PORT"; }
