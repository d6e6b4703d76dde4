#!/usr/bin/env bash
# THE run command: starts CompatService on this machine.
#   scripts/run.sh                 → API + Swagger (+ dashboard) on http://127.0.0.1:${COMPAT_PORT:-5080}
#   scripts/run.sh stop            → stops that service and the private PostgreSQL it started
# Without ConnectionStrings__Compat it starts a private PostgreSQL (scripts/private-postgres.sh: generated password in
# .data/postgres/password; apt-get installs it when missing). Then: build, `migrate`, import /sys/kernel/btf/vmlinux
# when present, serve. Ctrl-C (or `scripts/run.sh stop` from another shell) stops the service and that PostgreSQL.
# Env: COMPAT_PORT (5080), COMPAT_BIND (127.0.0.1), Compat__ApiKeys__0 (write key; generated into .data/api-key when
#      unset), ASPNETCORE_ENVIRONMENT (Development), COMPAT_SKIP_BUILD=1, COMPAT_PGDATA (private PostgreSQL data dir).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "[run] $*" >&2; }
pgdata=${COMPAT_PGDATA:-$root/.data/postgres}
pidfile="$root/.data/service.pid"
pgflag="$root/.data/private-postgres"   # present while run.sh owns a private PostgreSQL (holds its data dir)

stop_all() {
  if [[ -s "$pidfile" ]]; then
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null && grep -q CompatService.Api "/proc/$pid/cmdline" 2>/dev/null; then
      log "stopping the service (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  fi
  if [[ -s "$pgflag" ]]; then
    log "stopping the private PostgreSQL ($(cat "$pgflag"))"
    "$root/scripts/private-postgres.sh" stop "$(cat "$pgflag")"
    rm -f "$pgflag"
  fi
}

case "${1:-}" in
  stop) stop_all; log "stopped"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [stop]" >&2; exit 2 ;;
esac

mkdir -p "$root/.data"
if [[ -z "${ConnectionStrings__Compat:-}" ]]; then
  ConnectionStrings__Compat=$("$root/scripts/private-postgres.sh" start "$pgdata")
  export ConnectionStrings__Compat
  echo "$pgdata" > "$pgflag"
  log "private PostgreSQL in $pgdata (password in $pgdata/password)"
fi
keyfile="$root/.data/api-key"
if [[ -z "${Compat__ApiKeys__0:-}" ]]; then
  [[ -s "$keyfile" ]] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$keyfile")
  Compat__ApiKeys__0=$(cat "$keyfile")
  export Compat__ApiKeys__0
  keyhint="the write API key (header X-Api-Key) is in $keyfile"
else
  keyhint="the write API key (header X-Api-Key) is the one in \$Compat__ApiKeys__0"
fi
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
out="$root/.data/app"
if [[ "${COMPAT_SKIP_BUILD:-0}" != 1 ]]; then
  log "building src/CompatService.Api"
  dotnet build "$root/src/CompatService.Api/CompatService.Api.csproj" -c Release -o "$out" -nologo -v quiet >&2
fi
dll="$out/CompatService.Api.dll"

log "applying migrations"
dotnet "$dll" migrate
if [[ -r /sys/kernel/btf/vmlinux ]]; then
  log "importing this host's kernel BTF (/sys/kernel/btf/vmlinux, release $(uname -r))"
  dotnet "$dll" import /sys/kernel/btf/vmlinux --label source=host --release "$(uname -r)" || log "host kernel import failed (continuing)"
fi

url="http://${COMPAT_BIND:-127.0.0.1}:${COMPAT_PORT:-5080}"
cd "$out"
dotnet "$dll" --urls "$url" &
echo $! > "$pidfile"
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "serving on $url   (Swagger: $url/swagger, health: $url/health, matrix: $url/api/matrix?format=markdown)"
log "$keyhint"
log "stop everything (service and private PostgreSQL): Ctrl-C here, or 'scripts/run.sh stop' from another shell"
echo "CompatService: $url"
echo "Write key: $( [[ -s "$keyfile" && "$Compat__ApiKeys__0" == "$(cat "$keyfile" 2>/dev/null)" ]] && echo "$keyfile" || echo '$Compat__ApiKeys__0')"
echo "Stop: scripts/run.sh stop"
wait "$(cat "$pidfile")" || true
