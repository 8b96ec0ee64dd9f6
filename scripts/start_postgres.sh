#!/usr/bin/env bash
# Start a PostgreSQL server for the tests on 127.0.0.1 and print its URL (and nothing else)
# on stdout:
#
#   export TERRITORY_TEST_PG_URL=$(bash scripts/start_postgres.sh)
#
# Idempotent: installs PostgreSQL (Debian/Ubuntu, apt) when missing, creates a dedicated
# cluster "territory" on port $TERRITORY_PG_PORT (default 54329) listening on loopback
# only, starts it, creates the user and database, prints the URL. Every step has a time
# limit, so the script never hangs. Needs root (or password-less sudo). Progress goes to
# stderr; exit status is non-zero (with the reason on stderr) when the server cannot be
# started.
set -euo pipefail

exec 3>&1 1>&2 # fd 3 is the real stdout (the URL only); everything else goes to stderr

PORT="${TERRITORY_PG_PORT:-54329}"
CLUSTER="territory"
PG_USER="territory"
PG_PASSWORD="territory"
PG_DB="territory_test"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    SUDO=(sudo -n)
fi

# run a command with a time limit, stdin closed and without the stdout pipe (fd 3), so that
# a daemon it starts cannot keep "$(...)" of the caller waiting
run() {
    local limit="$1"
    shift
    timeout --kill-after=10 "$limit" "$@" </dev/null 3>&-
}

as_postgres() {
    run 60 "${SUDO[@]}" runuser -u postgres -- "$@"
}

psql_admin() {
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres -Atc "$1"
}

if ! command -v pg_createcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres \
    >/dev/null 2>&1; then
    echo "installing PostgreSQL (apt-get)..."
    run 600 "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
    run 900 "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get \
        -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if [ -z "$VERSION" ]; then
    echo "error: no PostgreSQL server found under /usr/lib/postgresql" >&2
    exit 1
fi

if ! run 30 pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" \
    '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    echo "creating cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT..."
    run 120 "${SUDO[@]}" pg_createcluster "$VERSION" "$CLUSTER" -p "$PORT" \
        --start-conf=manual -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
# loopback only, on our port: a conf.d file that wins over postgresql.conf (rewritten every
# time, which also repairs a hand-edited setting there)
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
run 30 "${SUDO[@]}" pg_conftool "$VERSION" "$CLUSTER" remove listen_addresses
run 30 "${SUDO[@]}" mkdir -p "$CONF_DIR/conf.d"
printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PORT" |
    timeout 30 "${SUDO[@]}" tee "$CONF_DIR/conf.d/90-territory-tests.conf" >/dev/null 3>&-

if ! run 30 pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" \
    '$1 == v && $2 == c && $4 == "online" { found = 1 } END { exit !found }'; then
    echo "starting cluster $VERSION/$CLUSTER..."
    run 120 "${SUDO[@]}" pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

for _ in $(seq 1 60); do
    if run 5 pg_isready -q -h 127.0.0.1 -p "$PORT"; then
        break
    fi
    sleep 0.5
done
if ! run 5 pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "error: PostgreSQL did not become ready on 127.0.0.1:$PORT" >&2
    exit 1
fi

if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]; then
    psql_admin "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'"
else
    psql_admin "ALTER ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
    psql_admin "CREATE DATABASE $PG_DB OWNER $PG_USER"
fi

echo "PostgreSQL $VERSION ready on 127.0.0.1:$PORT (cluster $CLUSTER)"
echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PORT/$PG_DB" >&3
