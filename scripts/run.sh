#!/usr/bin/env bash
# THE run command: starts CompatService on this machine.
#   scripts/run.sh                 → API + Swagger (+ dashboard) on http://127.0.0.1:${COMPAT_PORT:-5080}
# Without ConnectionStrings__Compat it starts a private PostgreSQL (scripts/private-postgres.sh; apt-get installs it
# when missing). Then: build, `migrate`, import /sys/kernel/btf/vmlinux when present, serve.
# Env: COMPAT_PORT (5080), COMPAT_BIND (127.0.0.1), Compat__ApiKeys__0 (write key; generated and printed when unset),
#      ASPNETCORE_ENVIRONMENT (Development), COMPAT_SKIP_BUILD=1, COMPAT_PGDATA (private PostgreSQL data dir).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "[run] $*" >&2; }

if [[ -z "${ConnectionStrings__Compat:-}" ]]; then
  ConnectionStrings__Compat=$("$root/scripts/private-postgres.sh" start "${COMPAT_PGDATA:-$root/.data/postgres}")
  export ConnectionStrings__Compat
  log "private PostgreSQL: $ConnectionStrings__Compat"
fi
if [[ -z "${Compat__ApiKeys__0:-}" ]]; then
  keyfile="$root/.data/api-key"
  mkdir -p "$root/.data"
  [[ -s "$keyfile" ]] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$keyfile"
  Compat__ApiKeys__0=$(cat "$keyfile")
  export Compat__ApiKeys__0
  log "write API key (X-Api-Key) is in $keyfile"
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
log "serving on $url   (Swagger: $url/swagger, health: $url/health, matrix: $url/api/matrix?format=markdown)"
echo "CompatService: $url"
cd "$out"
exec dotnet "$dll" --urls "$url"
