# Apache Kafka 4.x in KRaft mode (broker and controller in one process per node), jars from Maven Central
# (provision.sh). One node, or three in the cluster topology (kafka, kafka-2, kafka-3: stack/topologies/cluster.env).
# The heap is FEEDMESH_KAFKA_HEAP (stack/defaults.env).
kafka_jvm_opts() {
    KAFKA_JVM_OPTS=(-Xms"$FEEDMESH_KAFKA_HEAP" -Xmx"$FEEDMESH_KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
        -XX:CICompilerCount=2 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Dfeedmesh.component="$1")
}

# start_kafka_node NAME NODE_ID PORT CONTROLLER_PORT: format the node's storage on its first start (all nodes share
# the cluster id of .run/kafka/cluster-id), then start it with the pid file NAME
start_kafka_node() {
    local name=$1 dir="$RUN/$1"
    mkdir -p "$dir" "$RUN/kafka"
    export FEEDMESH_KAFKA_NODE_ID=$2 FEEDMESH_KAFKA_NODE_PORT=$3 FEEDMESH_KAFKA_NODE_CONTROLLER_PORT=$4
    export FEEDMESH_KAFKA_NODE_DIR=$dir
    render "$STACK_DIR/conf/kafka-server.properties" "$dir/server.properties"
    render "$STACK_DIR/conf/kafka-log4j2.properties" "$dir/log4j2.properties"
    kafka_jvm_opts "$name"
    local java=(java "${KAFKA_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$dir/log4j2.properties"
        -cp "$KAFKA_HOME/lib/*")
    if [[ ! -f $dir/data/meta.properties ]]; then
        # An id that starts with '-' (1 in 64 of the url-safe base64 ones) reads as an option to the storage tool:
        # drawn again so that it never does, and passed as --cluster-id=<id> besides.
        [[ -f $RUN/kafka/cluster-id ]] ||
            "$PY" -c 'import base64, uuid
while (i := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"): pass
print(i)' >"$RUN/kafka/cluster-id" || return 1
        "${java[@]}" kafka.tools.StorageTool format --cluster-id="$(cat "$RUN/kafka/cluster-id")" \
            -c "$dir/server.properties" >>"$LOGS/$name.log" 2>&1 || return 1
    fi
    spawn "$name" "${java[@]}" kafka.Kafka "$dir/server.properties"
}

start_kafka() { start_kafka_node kafka 1 "$FEEDMESH_KAFKA_PORT" "$FEEDMESH_KAFKA_CONTROLLER_PORT"; }
STOP_SIGNAL_kafka=TERM
