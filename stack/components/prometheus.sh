# Prometheus (apt), scraping every service's metrics port and Envoy's admin, with the rules of
# conf/prometheus-rules; data in .run/prometheus.
start_prometheus() {
    local dir="$RUN/prometheus" rules
    mkdir -p "$dir/data" "$dir/rules"
    render "$STACK_DIR/conf/prometheus.yml" "$dir/prometheus.yml"
    rm -f "$dir/rules"/*.yml
    for rules in "$STACK_DIR"/conf/prometheus-rules/*.yml; do
        render "$rules" "$dir/rules/$(basename "$rules")"
    done
    spawn prometheus prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
        --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$FEEDMESH_PROMETHEUS_PORT" \
        --web.enable-lifecycle
}
STOP_SIGNAL_prometheus=TERM
