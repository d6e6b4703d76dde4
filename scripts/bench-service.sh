#!/usr/bin/env bash
# Service benchmark on this machine, loopback only, bounded in time (~3-5 min):
#   1. ingest time of a real Debian kernel image (corpus images/, POST /api/kernels)
#   2. matrix computation: all corpus kernels x 50 corpus objects by the background workers (jobs → cells)
#   3. p50/p99 of the agent query and of the matrix query under 200 req/s from a second process (scripts/bench/loadgen.cs)
# Env: COMPAT_CORPUS (../shared/corpus), BENCH_SECONDS (20), BENCH_RATE (200), BENCH_OBJECTS (50), BENCH_PORT (5190).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${COMPAT_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
[[ -d "$corpus/btf" ]] || { echo "corpus not found at $corpus (set COMPAT_CORPUS)" >&2; exit 2; }
seconds=${BENCH_SECONDS:-20}; rate=${BENCH_RATE:-200}; nobj=${BENCH_OBJECTS:-50}; port=${BENCH_PORT:-5190}
work=${BENCH_DIR:-/tmp/compat-bench}
mkdir -p "$work"
log() { echo "[bench] $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

cs=$("$root/scripts/private-postgres.sh" start "$work/pg")
port_pg=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$cs")
psql_() { runuser -u postgres -- psql -h 127.0.0.1 -p "$port_pg" -U postgres -tAq "$@" 2>/dev/null || psql -h 127.0.0.1 -p "$port_pg" -U postgres -tAq "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS compat_bench" -c "CREATE DATABASE compat_bench"
export ConnectionStrings__Compat="Host=127.0.0.1;Port=$port_pg;Database=compat_bench;Username=postgres;Maximum Pool Size=200"
export Compat__ApiKeys__0=bench-key-0123456789 Compat__Workers=2 ASPNETCORE_ENVIRONMENT=Production
export Logging__LogLevel__Default=Warning
key=(-H "X-Api-Key: $Compat__ApiKeys__0")
db() { psql_ -d compat_bench -c "$1"; }

log "building (Release)"
dotnet build "$root/src/CompatService.Api/CompatService.Api.csproj" -c Release -o "$work/app" -nologo -v quiet >&2
dotnet "$work/app/CompatService.Api.dll" migrate >/dev/null
url="http://127.0.0.1:$port"
dotnet "$work/app/CompatService.Api.dll" --urls "$url" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$url/health" >/dev/null && break; sleep 0.3; done

echo "== CompatService benchmark ($(date -u +%FT%TZ), $(nproc) cores, engine $(curl -s "$url/health"))"
# 1. ingest of real Debian kernel images (x86 bzImage xz / arm64 Image.gz): unpack, .BTF_ids scan, BTF parse, store
for img in "$corpus"/images/*/vmlinuz "$corpus"/images/*/Image.gz; do
  [[ -f "$img" ]] || continue
  out=$(curl -s -o /dev/null -w "%{http_code} %{time_total}" "${key[@]}" -F "file=@$img" "$url/api/kernels")
  echo "ingest $(basename "$(dirname "$img")")/$(basename "$img") ($(du -k "$img" | cut -f1) KiB): HTTP ${out% *} in ${out#* } s"
done

# 2. all corpus kernels (import: BTF + module BTFs + .BTF_ids flags) and N corpus objects; workers compute the cells
t=$(now)
dotnet "$work/app/CompatService.Api.dll" import "$corpus/btf" --label source=corpus 2>"$work/import.log" >/dev/null || true
echo "import $(ls -d "$corpus"/btf/*/ | wc -l) corpus kernel dirs: $(since "$t") s ($(tail -1 "$work/import.log"))"
mapfile -t objs < <(find "$corpus/objects" -name '*.o' | sort | head -n "$nobj")
t=$(now)
for o in "${objs[@]}"; do
  curl -s -o /dev/null -w "%{http_code}\n" "${key[@]}" -F "file=@$o" -F "name=${o#"$corpus/objects/"}" "$url/api/objects"
done | sort | uniq -c | sed 's/^/  upload status /' >&2
echo "upload ${#objs[@]} objects: $(since "$t") s"
kernels=$(db "SELECT count(*) FROM kernels"); objects=$(db "SELECT count(*) FROM objects")
want=$((kernels * objects))
while :; do
  pending=$(db "SELECT count(*) FROM jobs WHERE state IN ('queued','running')")
  cells=$(db "SELECT count(*) FROM matrix_cells")
  [[ "$pending" == 0 ]] && break
  sleep 0.5
done
echo "matrix $kernels kernels x $objects objects = $cells/$want cells by 2 workers: $(since "$t") s from first upload (failed jobs: $(db "SELECT count(*) FROM jobs WHERE state='failed'"))"
cells_per_s=$(db "SELECT round(count(*) / greatest(extract(epoch FROM max(computed_at) - min(computed_at)), 0.001))::int FROM matrix_cells")
echo "  cell throughput ≈ $cells_per_s cells/s"

# 3. query latency under a fixed open-loop rate from a second process
ksha=$(db "SELECT sha256 FROM kernels WHERE release LIKE '6.12.117+deb13-amd64' LIMIT 1")
kid=$(db "SELECT id FROM kernels WHERE sha256='$ksha'")
osha=$(db "SELECT string_agg('object=' || sha256, '&') FROM (SELECT sha256 FROM objects ORDER BY id LIMIT 5) s")
agent="$url/api/agent/verdicts?kernel=$ksha&$osha"
matrix_one="$url/api/matrix?format=json&kernel=$kid"
matrix_all="$url/api/matrix?format=json"
echo "matrix JSON sizes: one kernel $(curl -s "$matrix_one" | wc -c) B, all kernels $(curl -s "$matrix_all" | wc -c) B"
lg() { dotnet run "$root/scripts/bench/loadgen.cs" -- --rate "$rate" --seconds "$seconds" "$@"; }
lg --name "baseline GET /health (SELECT 1) @${rate}/s" --url "$url/health" || true
lg --name "agent verdicts (1 kernel, 5 objects) @${rate}/s" --url "$agent" || true
lg --name "matrix json (1 kernel x $objects objects) @${rate}/s" --url "$matrix_one" || true
lg --name "matrix json (all $kernels kernels x $objects objects) @20/s" --url "$matrix_all" --rate 20 || true
