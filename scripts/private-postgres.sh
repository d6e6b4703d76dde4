#!/usr/bin/env bash
# Starts a private PostgreSQL for CompatService from the system's binaries (installing them with apt-get when
# missing), in a data directory of its own, on a free port of 127.0.0.1. Prints the connection string on stdout.
#   scripts/private-postgres.sh start [DATA_DIR]   (default: $COMPAT_PGDATA or /tmp/compat-pg-$UID)
#   scripts/private-postgres.sh stop  [DATA_DIR]
# PostgreSQL refuses to run as root: as root the server runs as the 'postgres' user (created when missing).
# Authentication is scram-sha-256 with a generated password kept in DATA_DIR/password (mode 0600), never `trust`;
# a cluster made earlier with `trust` gets a password and its pg_hba.conf switched on the next start.
set -euo pipefail

cmd=${1:-start}
dir=${2:-${COMPAT_PGDATA:-/tmp/compat-pg-$(id -u)}}
log() { echo "[postgres] $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
bin=$(find_bin || true)
if [[ -z "$bin" && "$cmd" == start ]]; then
  log "PostgreSQL binaries missing: apt-get install postgresql"
  if [[ $(id -u) -ne 0 ]]; then log "not root: install postgresql yourself or set ConnectionStrings__Compat"; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2; }
  bin=$(find_bin)
fi

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
fi

case "$cmd" in
  stop)
    [[ -f "$dir/data/postmaster.pid" ]] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop [DATA_DIR]" >&2; exit 2 ;;
esac

mkdir -p "$dir"
chmod 700 "$dir"
[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
pwfile="$dir/password"
if [[ ! -s "$pwfile" ]]; then
  (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$pwfile")
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$pwfile"
fi
password=$(cat "$pwfile")
export PGPASSWORD="$password"
if [[ ! -f "$dir/data/PG_VERSION" ]]; then
  log "initdb in $dir/data (scram-sha-256, password in $pwfile)"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C >/dev/null
fi
if [[ -f "$dir/data/postmaster.pid" ]] && as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$dir/data/postmaster.pid")
  log "already running on 127.0.0.1:$port"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
         || shuf -i 20000-60000 -n 1)
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >&2
  log "running on 127.0.0.1:$port (data $dir/data, log $dir/server.log)"
fi
if grep -Eq '^[^#]*[[:space:]]trust([[:space:]]|$)' "$dir/data/pg_hba.conf"; then
  log "switching a trust cluster to scram-sha-256 (password in $pwfile)"
  as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAtc "ALTER USER postgres PASSWORD '$password'" >/dev/null
  sed -i -E 's/^([^#]*[[:space:]])trust([[:space:]]|$)/\1scram-sha-256\2/' "$dir/data/pg_hba.conf"
  as_pg "$bin/pg_ctl" -D "$dir/data" reload >/dev/null
  sleep 0.5
fi
as_pg env PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='compat'" | grep -q 1 \
  || as_pg env PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres compat
echo "Host=127.0.0.1;Port=$port;Database=compat;Username=postgres;Password=$password"
