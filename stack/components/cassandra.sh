# Apache Cassandra 5.0.x, one node, jars from Maven Central (provision.sh); JVM options in
# conf/cassandra-jvm.options, settings in conf/cassandra.yaml, data under .run/cassandra.
start_cassandra() {
    local dir="$RUN/cassandra" opts=() line jamm
    mkdir -p "$dir/triggers"
    render "$STACK_DIR/conf/cassandra.yaml" "$dir/cassandra.yaml"
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] || opts+=("$line")
    done <"$STACK_DIR/conf/cassandra-jvm.options"
    jamm=$(compgen -G "$CASSANDRA_HOME/lib/jamm-*.jar" | head -1) || die "cassandra: no jamm jar in $CASSANDRA_HOME/lib"
    # niced: on a machine it shares with the services, the durable store (written at its own pace by the timeline's
    # durable fanout group) yields the CPU to Redis, Kafka and the services on the publish-to-visible path.
    spawn cassandra nice -n "$FEEDMESH_CASSANDRA_NICE" java "${opts[@]}" -javaagent:"$jamm" -Dfeedmesh.component=cassandra \
        -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" \
        -Dcassandra.triggers_dir="$dir/triggers" \
        -Dcassandra.logdir="$LOGS" -Dcassandra-foreground=yes \
        -Dlogback.configurationFile="$STACK_DIR/conf/cassandra-logback.xml" \
        -cp "$CASSANDRA_HOME/lib/*" org.apache.cassandra.service.CassandraDaemon
}
STOP_SIGNAL_cassandra=TERM
