# Prometheus (apt), scraping every service's metrics port and Envoy's admin; data in .run/prometheus.
start_prometheus() {
    local dir="$RUN/prometheus"
    mkdir -p "$dir/data"
    render "$STACK_DIR/conf/prometheus.yml" "$dir/prometheus.yml"
    spawn prometheus prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$FEEDMESH_PROMETHEUS_PORT" \
        --web.enable-lifecycle
}
STOP_SIGNAL_prometheus=TERM
