# Shared by scripts/test and scripts/bench: a throwaway PostgreSQL cluster on 127.0.0.1 with its
# own data directory and port, stopped by `stop_postgres` (both scripts trap EXIT with it).
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.

PG_DIR=""
PG_BIN=""
stop_postgres() {
  if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
    run_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_postgres [FSYNC]: FSYNC is "off" (the default, for tests) or "on" (for benchmarks).
start_postgres() {
  local fsync=${1:-off}
  PG_BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_DIR=$(mktemp -d /tmp/hongmajia-pg.XXXXXX)
  local port
  port=$(free_port)
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  log "starting a throwaway PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$port"
  run_as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # fsync=off only ever for this throwaway test cluster.
  run_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=400" start >/dev/null
  export HONGMAJIA_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

