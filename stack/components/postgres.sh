# PostgreSQL 15 (apt): our own cluster in .run/postgres, owned by the postgres user (initdb refuses root).
# The role and database of FEEDMESH_PG_DSN are created by `python -m stack.schema apply` (through the socket in
# .run/postgres/socket, as the superuser), which then applies the migrations of schema/postgres.
PG_DATA="$RUN/postgres/data"

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

start_postgres() {
    mkdir -p "$RUN/postgres/socket"
    chown postgres:postgres "$RUN/postgres" "$RUN/postgres/socket"
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        # the superuser only comes in through the private socket; TCP clients need a password
        as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
            --encoding=UTF8 --no-locale >>"$LOGS/postgres.log" 2>&1 || return 1
        # the cluster only listens on 127.0.0.1 and its private socket directory
        cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN/postgres/socket'
shared_buffers = 128MB
max_connections = 200
fsync = on
synchronous_commit = on
CONF
    fi
    spawn postgres setpriv --reuid=postgres --regid=postgres --init-groups -- \
        "$PG_BIN/postgres" -D "$PG_DATA" -p "$FEEDMESH_PG_PORT"
}

# SIGINT is PostgreSQL's "fast" shutdown (SIGTERM would wait for every client to disconnect)
STOP_SIGNAL_postgres=INT
