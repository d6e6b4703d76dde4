#!/usr/bin/env bash
# Cold-start wall time of the installed CLI and agent (each run is a new process), and of `dotnet run` for comparison.
#   scripts/bench-cli.sh                 → installed `compat` / `compat-agent` (scripts/install.sh) on PATH
#   BEFORE=1 scripts/bench-cli.sh        → also `dotnet run --project ...` (what the README used to say; slow)
#   RUNS=20 COMPAT=/path/compat AGENT=/path/compat-agent scripts/bench-cli.sh
# Cases: (1) compat check, 1 object × 1 corpus kernel; (2) compat check, 50 objects × 16 kernels;
#        (3) compat-agent check, 1 object on this host's kernel (/sys/kernel/btf/vmlinux).
# Uses hyperfine when installed (apt-get install hyperfine), else a loop printing min / median / max.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-10}
compat=${COMPAT:-$(command -v compat || true)}
agent=${AGENT:-$(command -v compat-agent || true)}
[[ -n "$compat" ]] || { echo "compat not on PATH: run scripts/install.sh (or set COMPAT=)" >&2; exit 2; }

corpus="$root/../shared/corpus/btf"
[[ -d "$corpus" ]] || corpus=/work/shared/corpus/btf
if [[ -d "$corpus" ]]; then
  mapfile -t kernels < <(find "$corpus" -mindepth 1 -maxdepth 1 -type d | sort | head -15)
  one_kernel="$corpus/debian-6.1.0-47-amd64"
else
  mapfile -t kernels < <(find tests/fixtures/kernels -mindepth 1 -maxdepth 1 -type d | sort)
  one_kernel=tests/fixtures/kernels/debian-6.1.0-47-amd64
fi
[[ -r /sys/kernel/btf/vmlinux ]] && kernels+=(/sys/kernel/btf/vmlinux)
mapfile -t objects < <(ls tests/fixtures/bpf/*.o | sort | head -50)
kargs=(); for k in "${kernels[@]}"; do kargs+=(--kernel "$k"); done
one="tests/fixtures/bpf/xdp_pass.bpfel.o"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); ${#objects[@]} objects × ${#kernels[@]} kernels; $runs runs each" >&2

measure() { # label command...
  local label=$1; shift
  if command -v hyperfine >/dev/null; then
    local js; js=$(mktemp)
    hyperfine -N --warmup 1 --runs "$runs" -i --style none --export-json "$js" --command-name "$label" "$(printf '%q ' "$@")" >/dev/null 2>&1
    python3 - "$js" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
ms = lambda x: f"{x * 1000:.0f}"
print(f"| {r['command']} | {ms(statistics.median(r['times']))} | {ms(r['min'])} | {ms(r['max'])} | {ms(r['user'])} + {ms(r['system'])} |")
PY
    rm -f "$js"
  else
    local times=() # wall time only
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
      local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
      times+=($(( (t1 - t0) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" '{a[NR]=$1} END {printf "| %s | min %d ms | median %d ms | max %d ms |\n", l, a[1], a[int((NR+1)/2)], a[NR]}'
  fi
}

if command -v hyperfine >/dev/null; then echo "| case | wall median [ms] | wall min [ms] | wall max [ms] | CPU user + sys [ms] |"; else echo "| case | min | median | max |"; fi
measure "compat check 1×1" "$compat" check "$one" --kernel "$one_kernel"
measure "compat check ${#objects[@]}×${#kernels[@]}" "$compat" check "${objects[@]}" "${kargs[@]}"
[[ -n "$agent" && -r /sys/kernel/btf/vmlinux ]] && measure "compat-agent check 1" "$agent" check "$one"
if [[ "${BEFORE:-0}" == 1 ]]; then
  runs=${BEFORE_RUNS:-3}
  measure "dotnet run compat check 1×1" dotnet run --project src/CompatService.Cli -- check "$one" --kernel "$one_kernel"
  measure "dotnet run compat check ${#objects[@]}×${#kernels[@]}" dotnet run --project src/CompatService.Cli -- check "${objects[@]}" "${kargs[@]}"
  [[ -r /sys/kernel/btf/vmlinux ]] && measure "dotnet run compat-agent check 1" dotnet run --project src/CompatService.Agent -- check "$one"
fi
