# Apache Kafka 4.x, one KRaft node (broker and controller), jars from Maven Central (provision.sh).
KAFKA_JVM_OPTS=(-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:CICompilerCount=2 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Dfeedmesh.component=kafka)

start_kafka() {
    local dir="$RUN/kafka"
    mkdir -p "$dir"
    render "$STACK_DIR/conf/kafka-server.properties" "$dir/server.properties"
    render "$STACK_DIR/conf/kafka-log4j2.properties" "$dir/log4j2.properties"
    local java=(java "${KAFKA_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$dir/log4j2.properties"
        -cp "$KAFKA_HOME/lib/*")
    if [[ ! -f $dir/data/meta.properties ]]; then
        # An id that starts with '-' (1 in 64 of the url-safe base64 ones) reads as an option to the storage tool:
        # drawn again so that it never does, and passed as --cluster-id=<id> besides.
        [[ -f $dir/cluster-id ]] ||
            "$PY" -c 'import base64, uuid
while (i := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"): pass
print(i)' >"$dir/cluster-id" || return 1
        "${java[@]}" kafka.tools.StorageTool format --cluster-id="$(cat "$dir/cluster-id")" \
            -c "$dir/server.properties" >>"$LOGS/kafka.log" 2>&1 || return 1
    fi
    spawn kafka "${java[@]}" kafka.Kafka "$dir/server.properties"
}
STOP_SIGNAL_kafka=TERM
