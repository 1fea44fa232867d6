# S3-compatible object store: Versity S3 Gateway (Apache-2.0) with its posix backend in .run/s3/data.
# Root credentials are generated at first start into .run/secrets/s3.env (FEEDMESH_S3_ACCESS_KEY/SECRET_KEY).
s3_secrets() {
    [[ -f $SECRETS/s3.env ]] && return 0
    mkdir -p "$SECRETS" && chmod 700 "$SECRETS"
    (
        umask 077
        printf 'FEEDMESH_S3_ACCESS_KEY=%s\nFEEDMESH_S3_SECRET_KEY=%s\n' \
            "fm$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
            "$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')" >"$SECRETS/s3.env"
    )
}

start_s3() {
    s3_secrets
    load_settings
    mkdir -p "$RUN/s3/data" "$RUN/s3/meta"
    spawn s3 env ROOT_ACCESS_KEY="$FEEDMESH_S3_ACCESS_KEY" ROOT_SECRET_KEY="$FEEDMESH_S3_SECRET_KEY" \
        "$VERSITYGW" --port "127.0.0.1:$FEEDMESH_S3_PORT" --region "$FEEDMESH_S3_REGION" \
        posix --sidecar "$RUN/s3/meta" "$RUN/s3/data"
}
STOP_SIGNAL_s3=TERM
