#!/usr/bin/env bash
# The database and app tests against a real, throwaway PostgreSQL cluster.
# Installs Debian's postgresql if it is missing, starts a cluster in a temp dir on a free port (as the postgres
# user when run as root: initdb refuses root), points MICROCRED_DATABASE_URL at it, runs the tests, and always
# stops and removes the cluster. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

bindir=$(find_bin)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "== installing Debian's postgresql"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    bindir=$(find_bin)
fi
[ -x "$bindir/pg_ctl" ] || { echo "no pg_ctl found under /usr/lib/postgresql/*/bin" >&2; exit 1; }

[ -x .venv/bin/pytest ] || make install-test

workdir=$(mktemp -d /tmp/microcred-pg.XXXXXX)
as_db_user=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$workdir"
    as_db_user=(runuser -u postgres --)
fi

port=$("$root/.venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
    "${as_db_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

echo "== PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port ($workdir)"
"${as_db_user[@]}" "$bindir/initdb" -D "$workdir/data" -U microcred -A trust -E UTF8 --no-locale >"$workdir/initdb.log" 2>&1 \
    || { cat "$workdir/initdb.log" >&2; exit 1; }
"${as_db_user[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || { cat "$workdir/server.log" >&2; exit 1; }
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U microcred microcred_test

export MICROCRED_DATABASE_URL="postgresql+psycopg://microcred@127.0.0.1:$port/microcred_test"
# tests/security: the files that store something (the rest are database-free and timing-sensitive; they run in make test)
.venv/bin/pytest tests/db tests/app tests/reliability tests/security/test_wallet_*.py tests/security/test_signed_http.py \
    tests/security/test_edges_surrogates.py tests/security/test_edges_request_log.py -m "not interop" -q -p no:cacheprovider
echo "== PostgreSQL suite passed"
