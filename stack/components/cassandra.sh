# Apache Cassandra 5.0.x, jars from Maven Central (provision.sh); JVM options in conf/cassandra-jvm.options, settings
# in conf/cassandra.yaml, data under .run/cassandra. One node, or three in the cluster topology (cassandra on
# 127.0.0.1, cassandra-2 and cassandra-3 on 127.0.0.2 and .3, same ports). The heap is FEEDMESH_CASSANDRA_HEAP.

# start_cassandra_node NAME ADDRESS TOKEN [JVM OPTION...]
start_cassandra_node() {
    local name=$1 dir="$RUN/$1" opts=() line jamm extra=("${@:4}")
    mkdir -p "$dir/triggers" "$LOGS/$name"
    export FEEDMESH_CASSANDRA_NODE_ADDRESS=$2 FEEDMESH_CASSANDRA_NODE_TOKEN=$3
    render "$STACK_DIR/conf/cassandra.yaml" "$dir/cassandra.yaml"
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] || opts+=("$line")
    done <"$STACK_DIR/conf/cassandra-jvm.options"
    jamm=$(compgen -G "$CASSANDRA_HOME/lib/jamm-*.jar" | head -1) || die "cassandra: no jamm jar in $CASSANDRA_HOME/lib"
    # the first node logs where it always did (.run/logs), the others each in a directory of their own
    local logdir=$LOGS
    [[ $name == cassandra ]] || logdir=$LOGS/$name
    spawn "$name" java "${opts[@]}" -Xms"$FEEDMESH_CASSANDRA_HEAP" -Xmx"$FEEDMESH_CASSANDRA_HEAP" \
        -Dcassandra.initial_token="$3" "${extra[@]}" -javaagent:"$jamm" -Dfeedmesh.component="$name" \
        -Xlog:gc:file="$logdir/$name-gc.log":time,uptime:filecount=2,filesize=10m \
        -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" \
        -Dcassandra.triggers_dir="$dir/triggers" \
        -Dcassandra.logdir="$logdir" -Dcassandra-foreground=yes \
        -Dlogback.configurationFile="$STACK_DIR/conf/cassandra-logback.xml" \
        -cp "$CASSANDRA_HOME/lib/*" org.apache.cassandra.service.CassandraDaemon
}

start_cassandra() { start_cassandra_node cassandra 127.0.0.1 0; }
STOP_SIGNAL_cassandra=TERM
