# The trace backend: Zipkin's server (Apache-2.0, one jar from Maven Central), UI and HTTP API on
# FEEDMESH_ZIPKIN_PORT, spans in memory (the newest FEEDMESH_ZIPKIN_MAX_SPANS; a restart forgets them). Services and
# Envoy send spans to FEEDMESH_TRACES_URL; docs/observability.md (Traces) says why Zipkin and not Jaeger.
# The JVM is kept small: serial GC and the client compiler (faster start, less memory; it only takes in spans).
start_zipkin() {
    spawn zipkin env STORAGE_TYPE=mem MEM_MAX_SPANS="$FEEDMESH_ZIPKIN_MAX_SPANS" \
        java -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -jar "$ZIPKIN_JAR" \
        --armeria.ports[0].ip=127.0.0.1 --armeria.ports[0].port="$FEEDMESH_ZIPKIN_PORT" \
        --armeria.ports[0].protocols=http --logging.level.root=WARN
}
STOP_SIGNAL_zipkin=TERM
