#!/usr/bin/env bash
# Fleet benchmark (issue 13): FLEET_KERNELS kernels (default 1000; scripts/fleet.sh: the corpus kernels + synthetic
# copies with their own sha256, labelled synthetic=fleet) × FLEET_OBJECTS corpus objects (default 50), on a fresh
# private PostgreSQL, the service built in Release. Prints every figure and, for scripts, one `fleet: key=value` line
# each: kernels, one_object_s, cells_per_s, rss_mib, agent_p99_ms, matrix_p99_ms, replica_ratio, btf_parse_ratio
# (and surface_bytes: the mean stored kernel surface).
#   cells_per_s   cold matrix (kernels × objects, nothing computed yet) by one process with FLEET_WORKERS workers
#   one_object_s  one new object uploaded → all its cells on every kernel stored
#   rss_mib       the computing process's peak resident memory (VmHWM) over the cold matrix and the new object
#   agent_p99_ms / matrix_p99_ms  p99 at 200 req/s (agent verdicts 1 kernel × 5 objects with stored cells; matrix JSON
#                 1 kernel × all objects) while the workers recompute FLEET_RECOMPUTE objects' cells on every kernel
#   replica_ratio cells/s of two processes (FLEET_WORKERS each) over one process on the same recomputation
#   btf_parse_ratio our BTF parse + name index over libbpf btf__new, median (scripts/bench-btf.sh, same run)
# Env: FLEET_BTF=0 skips the parse ratio; FLEET_WARMUP (5 s of reads before the latency runs, 0: none); COMPAT_CORPUS, FLEET_KERNELS, FLEET_OBJECTS (50), FLEET_WORKERS (2), FLEET_RECOMPUTE (10), BENCH_SECONDS (10), FLEET_PORT (5290)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${COMPAT_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
[[ -d "$corpus/objects" ]] || { echo "corpus objects not found at $corpus (set COMPAT_CORPUS)" >&2; exit 2; }
nk=${FLEET_KERNELS:-1000}; nobj=${FLEET_OBJECTS:-50}; workers=${FLEET_WORKERS:-2}; nre=${FLEET_RECOMPUTE:-10}
seconds=${BENCH_SECONDS:-10}; port=${FLEET_PORT:-5290}; work=${FLEET_DIR:-/tmp/compat-fleet-bench}
mkdir -p "$work"
log() { echo "[fleet] $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

cs=$("$root/scripts/private-postgres.sh" start "$work/pg")
export PGHOST=127.0.0.1 PGPORT=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$cs") PGUSER=postgres PGDATABASE=compat_fleet
export PGPASSWORD=$(sed -nE 's/.*Password=([^;]*).*/\1/p' <<<"$cs")
psql -d postgres -tAq -c "DROP DATABASE IF EXISTS compat_fleet" -c "CREATE DATABASE compat_fleet" 2>/dev/null
db() { psql -tAq -c "$1"; }
export ConnectionStrings__Compat="Host=127.0.0.1;Port=$PGPORT;Database=compat_fleet;Username=postgres;Password=$PGPASSWORD;Maximum Pool Size=30"
export Compat__ApiKeys__0=bench-key-0123456789 ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
key=(-H "X-Api-Key: $Compat__ApiKeys__0")

if [[ -z "${FLEET_APP:-}" ]]; then
  log "building (Release)"
  dotnet build "$root/src/CompatService.Api/CompatService.Api.csproj" -c Release -o "$work/app" -nologo -v quiet >&2
  FLEET_APP=$work/app
fi
dll=$FLEET_APP/CompatService.Api.dll
dotnet "$dll" migrate >/dev/null
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
# serve N_WORKERS PORT LOGNAME: starts one service process, waits for /health, echoes its pid
serve() {
  env Compat__Workers="$1" "Logging__LogLevel__CompatService.Api.Jobs=Information" \
    dotnet "$dll" --urls "http://127.0.0.1:$2" >"$work/$3.log" 2>&1 &
  local p=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$2/health" >/dev/null && break; sleep 0.3; done
  echo "$p"
}
idle() { [[ "$(db "SELECT (SELECT count(*) FROM matrix_work) + (SELECT count(*) FROM jobs WHERE state IN ('queued','running'))")" == 0 ]]; }
wait_idle() { while ! idle; do sleep 0.2; done; }
prof() { grep -o '"Message":"matrix profile: [^"]*' "$1" | tail -1 | cut -d'"' -f4; }
hwm() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
commit=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src scripts || echo "+dirty")
echo "== CompatService fleet benchmark ($(date -u +%FT%TZ), commit $commit, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"

# 1. the fleet and the objects, stored with no worker running
t=$(now)
COMPAT_API_DLL=$dll FLEET_KERNELS=$nk "$root/scripts/fleet.sh" "$nk"
kernels=$(db "SELECT count(*) FROM kernels")
echo "fleet: $kernels kernels ($(db "SELECT count(*) FROM kernels WHERE labels->>'synthetic' = 'fleet'") synthetic) stored in $(since "$t") s; blobs $(db "SELECT pg_size_pretty(pg_total_relation_size('kernel_blobs'))")"
surface_bytes=$(db "SELECT coalesce(round(avg(length(data))), 0) FROM kernel_surfaces")
echo "  kernel surfaces (issue 13 §2, stored at ingest): $(db "SELECT count(*) FROM kernel_surfaces") rows, avg $surface_bytes bytes, max $(db "SELECT coalesce(max(length(data)), 0) FROM kernel_surfaces") bytes per kernel"
url="http://127.0.0.1:$port"
up=$(serve 0 "$port" upload); pids+=("$up")
mapfile -t objs < <(find "$corpus/objects" -name '*.o' | sort)
upload() { curl -s -o /dev/null -w "%{http_code}\n" "${key[@]}" -F "file=@$1" -F "name=${1#"$corpus/objects/"}" "$url/api/objects"; }
for o in "${objs[@]:0:$nobj}"; do upload "$o"; done | sort | uniq -c | sed 's/^/  upload status /' >&2
kill "$up"; wait "$up" 2>/dev/null || true
objects=$(db "SELECT count(*) FROM objects")

# 2. cold matrix by one process
t=$(now)
p1=$(serve "$workers" "$port" one); pids+=("$p1")
wait_idle
cold=$(since "$t"); cells=$(db "SELECT count(*) FROM matrix_cells")
cells_per_s=$(awk -v c="$cells" -v s="$cold" 'BEGIN { printf "%d", c / s }')
echo "cold matrix: $cells/$((kernels * objects)) cells ($kernels kernels x $objects objects) in $cold s by 1 process x $workers workers (incl. its start): $cells_per_s cells/s"
echo "  profile (ms summed over workers): $(prof "$work/one.log")"

# 3. one new object on every kernel
extra=${objs[$nobj]:-${objs[-1]}}
t=$(now); upload "$extra" >/dev/null
osha=$(sha256sum "$extra" | cut -d' ' -f1)
while [[ "$(db "SELECT count(*) FROM matrix_cells WHERE object_sha256 = '$osha'")" -lt "$kernels" ]]; do sleep 0.05; done
one_object_s=$(since "$t")
echo "one new object ($(basename "$extra")) x $kernels kernels: all cells stored $one_object_s s after the upload started"
wait_idle
rss=$(hwm "$p1")
echo "  service peak RSS (VmHWM) $rss MiB; $(prof "$work/one.log" | grep -o 'kernel_loads=[0-9]* kernel_cache=[^ ]*')"

# 4. latency at 200 req/s while the workers recompute FLEET_RECOMPUTE objects' cells on every kernel
recompute() {
  db "DELETE FROM matrix_cells WHERE object_id IN (SELECT id FROM objects ORDER BY id LIMIT $nre)"
  db "INSERT INTO jobs (kind, payload, state, attempts, created_at) VALUES ('object', '{\"Id\": 1}', 'queued', 0, now())"
}
ksha=$(db "SELECT sha256 FROM kernels ORDER BY id LIMIT 1"); kid=$(db "SELECT id FROM kernels ORDER BY id LIMIT 1")
# The agent asks about objects whose cells are stored (not among the FLEET_RECOMPUTE being recomputed, unless there are
# too few objects): a missing cell is computed inline by the query, which measures a cold check, not the batch's
# interference (FLEET_AGENT_OFFSET=0 asks for recomputed ones: the bae1f55 row's 164 ms p99 was those inline computes).
aoff=${FLEET_AGENT_OFFSET:-$(( nobj >= nre + 5 ? nre : 0 ))}
q=$(db "SELECT string_agg('object=' || sha256, '&') FROM (SELECT sha256 FROM objects ORDER BY id OFFSET $aoff LIMIT 5) s")
lg() { dotnet run "$root/scripts/bench/loadgen.cs" -- --rate 200 --seconds "$seconds" "$@"; }
p99() { sed -nE 's/.*p99 ([0-9.]+) ms.*/\1/p' <<<"$1"; }
# The deployment measured (docker-compose.yml's api/worker split): the reads go to an API process with no workers
# (Compat:Workers=0), the workers compute in their own process at nice 10, so a batch's CPU never queues a read.
# FLEET_READ_SPLIT=0 measures the old way: reads served by the computing process itself, at equal priority.
niceness() { for t in /proc/"$1"/task/*; do renice -n "$2" -p "${t##*/}" >/dev/null 2>&1 || true; done; }
rurl=$url; how="reads served by the computing process"
if [[ "${FLEET_READ_SPLIT:-1}" == 1 ]]; then
  api=$(serve 0 "$((port + 2))" api); pids+=("$api"); rurl="http://127.0.0.1:$((port + 2))"
  niceness "$p1" 10; how="reads served by an API process (Compat:Workers=0), workers in their own process at nice 10"
fi
echo "read latency while computing: $how"
# The reading process was started just now: its first seconds at 200 req/s are JIT (tier-0 code, EF query compilation)
# and pool warm-up, not the steady state (measured at 100 kernels: a fresh API process's first 5 s at 200/s had p99
# 2.2-2.8 s while the next two 5 s runs in the same computing window had 0.06-0.17 s on a load average of 18-25).
# FLEET_WARMUP seconds (default 5) of the same requests go first, before the recomputation starts; printed, not measured.
warm=${FLEET_WARMUP:-5}
[[ "$warm" == 0 ]] || echo "  warm-up of the reading process (not a figure): $(lg --seconds "$warm" --name "warm-up ${warm}s" \
  --url "$rurl/api/agent/verdicts?kernel=$ksha&$q" --url "$rurl/api/matrix?format=json&kernel=$kid" | tail -1 || true)"
recompute
a=$(lg --name "agent verdicts (1 kernel, 5 objects from #$((aoff + 1))) @200/s while computing" --url "$rurl/api/agent/verdicts?kernel=$ksha&$q" || true); echo "$a"
m=$(lg --name "matrix json (1 kernel x $objects objects) @200/s while computing" --url "$rurl/api/matrix?format=json&kernel=$kid" || true); echo "$m"
echo "  still computing at the end: $(idle && echo no || echo yes) (matrix_work rows: $(db "SELECT count(*) FROM matrix_work"))"
wait_idle
[[ -z "${api:-}" ]] || { kill "$api" 2>/dev/null || true; niceness "$p1" 0; }

# 5. replicas: the same recomputation by one process, then by two
t=$(now); recompute; wait_idle; one=$(since "$t")
p2=$(serve "$workers" "$((port + 1))" two); pids+=("$p2")
t=$(now); recompute; wait_idle; two=$(since "$t")
n_re=$(( nre * kernels ))
replica_ratio=$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", a / b }')
echo "recompute $nre objects x $kernels kernels = $n_re cells: 1 process $one s, 2 processes $two s (ratio $replica_ratio; both on the same $(nproc) cores)"
for f in one two; do echo "  $f.log: $(prof "$work/$f.log")"; done
kill "$p2" "$p1" 2>/dev/null || true

# 6. BTF parse vs libbpf
btf=""; [[ "${FLEET_BTF:-1}" == 0 ]] || btf=$("$root/scripts/bench-btf.sh" "" 100 2>/dev/null || true)
btf_ratio=$(sed -nE 's/.*median ([0-9.]+)x, min.*/\1/p' <<<"$btf" | head -1)
echo "$btf" | grep -E "^==|median" || true

echo "fleet: commit=$commit"
echo "fleet: kernels=$kernels"
echo "fleet: one_object_s=$one_object_s"
echo "fleet: cells_per_s=$cells_per_s"
echo "fleet: rss_mib=$rss"
echo "fleet: agent_p99_ms=$(p99 "$a")"
echo "fleet: matrix_p99_ms=$(p99 "$m")"
echo "fleet: replica_ratio=$replica_ratio"
echo "fleet: btf_parse_ratio=${btf_ratio:-not_measured}"
echo "fleet: surface_bytes=$surface_bytes"
