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
    spawn cassandra java "${opts[@]}" -javaagent:"$jamm" -Dfeedmesh.component=cassandra \
        -Xlog:gc:file="$LOGS/cassandra-gc.log":time,uptime:filecount=2,filesize=10m \
        -Dcassandra.config="file://$dir/cassandra.yaml" -Dcassandra.storagedir="$dir" \
        -Dcassandra.triggers_dir="$dir/triggers" \
        -Dcassandra.logdir="$LOGS" -Dcassandra-foreground=yes \
        -Dlogback.configurationFile="$STACK_DIR/conf/cassandra-logback.xml" \
        -cp "$CASSANDRA_HOME/lib/*" org.apache.cassandra.service.CassandraDaemon
}
STOP_SIGNAL_cassandra=TERM
