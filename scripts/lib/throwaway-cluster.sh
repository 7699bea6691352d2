# Sourced by scripts/test and Benchmarks/*: a throwaway PostgreSQL cluster in /tmp on a
# random port (socket in its folder, fsync off), run as the postgres OS user when root.
# start_throwaway_cluster sets CLUSTER_DIR, CLUSTER_PORT, CLUSTER_URI and PG_BINDIR and
# registers stop_throwaway_cluster on EXIT.

PG_BINDIR="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
CLUSTER_DIR=""

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_throwaway_cluster() {
  if [ -n "$CLUSTER_DIR" ]; then
    as_postgres "$PG_BINDIR/pg_ctl" stop -D "$CLUSTER_DIR/data" -m immediate -w >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_DIR"
    CLUSTER_DIR=""
  fi
}

start_throwaway_cluster() {
  CLUSTER_DIR="$(mktemp -d /tmp/tollgate-cluster-XXXXXX)"
  trap stop_throwaway_cluster EXIT
  chmod 755 "$CLUSTER_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$CLUSTER_DIR"; fi
  CLUSTER_PORT=$(( 40000 + RANDOM % 20000 ))
  as_postgres "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -U postgres -E UTF8 --no-locale --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $CLUSTER_PORT
unix_socket_directories = '$CLUSTER_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
  as_postgres "$PG_BINDIR/pg_ctl" start -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/postgres.log" -w -t 60 >/dev/null
  CLUSTER_URI="host=$CLUSTER_DIR port=$CLUSTER_PORT dbname=postgres user=postgres"
}
