#!/usr/bin/env bash
# BTF parse benchmark: our BtfSpec.Parse (parse + name index) vs libbpf's btf__new (Debian libbpf1, the faster 1.1)
# on the same raw blob. Both are timed in ONE process, alternately, on the very same bytes (libbpf called through
# P/Invoke; tests/CompatService.Benchmarks --btf-parse), so load changes and cache state hit both sides alike; the
# headline is the median of the per-iteration ratios (target: ours <= 0.7x btf__new). libbpf's btf__new copies the
# blob, checks header and string section, sizes every type and records its offset (1.1 checks no names or ids); ours
# checks every name offset too and builds the name index. The separate C program (scripts/bench-libbpf) is run as well
# for btf__parse_raw (which also reads the file).
# Usage: scripts/bench-btf.sh [BLOB|corpus] [N]   BLOB: raw or .gz BTF (default /sys/kernel/btf/vmlinux, else the
#        largest corpus vmlinux.btf.gz, else the largest fixture); "corpus": the host's BTF and every corpus kernel,
#        one ratio per kernel; N iterations per blob (default 200).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${2:-200}
WORK=$(mktemp -d /tmp/bench-btf.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CORPUS=${COMPAT_CORPUS:-$ROOT/../shared/corpus}

BLOB=${1:-}
BLOBS=()
if [ "$BLOB" = corpus ]; then
  [ -r /sys/kernel/btf/vmlinux ] && BLOBS+=(/sys/kernel/btf/vmlinux)
  for f in "$CORPUS"/btf/*/vmlinux.btf.gz; do [ -r "$f" ] && BLOBS+=("$f"); done
elif [ -n "$BLOB" ]; then BLOBS=("$BLOB")
elif [ -r /sys/kernel/btf/vmlinux ]; then BLOBS=(/sys/kernel/btf/vmlinux)
else
  BLOB=$(ls -S "$CORPUS"/btf/*/vmlinux.btf.gz "$ROOT"/tests/fixtures/kernels/*/vmlinux.btf.gz 2>/dev/null | head -1)
  [ -n "$BLOB" ] && BLOBS=("$BLOB")
fi
[ ${#BLOBS[@]} -gt 0 ] || { echo "no BTF blob found" >&2; exit 2; }

if [ ! -f /usr/include/bpf/btf.h ]; then
  echo "installing libbpf-dev ..." >&2
  apt-get install -y libbpf-dev >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y libbpf-dev >/dev/null; }
fi
gcc -O2 -o "$WORK/btf_parse_bench" "$ROOT/scripts/bench-libbpf/btf_parse_bench.c" -lbpf
echo "building the benchmark project (Release) ..." >&2
dotnet build -c Release "$ROOT/tests/CompatService.Benchmarks" -o "$WORK/bench" >/dev/null

RAWS=()
for i in "${!BLOBS[@]}"; do
  raw="$WORK/blob$i.btf"
  if [ "$(head -c2 "${BLOBS[$i]}" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then gzip -dc "${BLOBS[$i]}" > "$raw"; else cat "${BLOBS[$i]}" > "$raw"; fi
  RAWS+=("$raw")
done

echo "== libbpf $(dpkg-query -W -f='${Version}' libbpf1 2>/dev/null || echo '?') (separate process) on ${BLOBS[0]}"
"$WORK/btf_parse_bench" "${RAWS[0]}" "$N" | tee "$WORK/libbpf.txt"
echo "== CompatService BtfSpec.Parse and libbpf btf__new alternately in one process"
dotnet "$WORK/bench/CompatService.Benchmarks.dll" --btf-parse "${RAWS[@]}" "$N" | tee "$WORK/ours.txt"

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
# One block per blob (blob= starts a block); the first block is the headline (bench-fleet.sh reads its line).
awk -v load="$load" -v cores="$(nproc)" -v libraw="$(grep '^btf_parse_raw_median_us=' "$WORK/libbpf.txt" | cut -d= -f2)" \
    -v names="$(printf '%s\n' "${BLOBS[@]}")" -F= '
  BEGIN { split(names, label, "\n") }
  /^blob=/ { b++ } { v[b, $1] = $2 }
  END {
    printf "== parse + name index vs libbpf btf__new, same process, alternating (target <= 0.70), load average %s on %d cores:\n", load, cores
    for (i = 1; i <= b; i++) {
      line = sprintf("median %.2fx, min %.2fx (ours %s us, btf__new %s us median; %d types)", v[i, "ratio_median"], v[i, "ratio_of_min"], v[i, "median_us"], v[i, "libbpf_btf_new_median_us"], v[i, "types"])
      if (i == 1) printf "   %s\n", line
      if (b > 1) printf "   %-44s %s\n", label[i], line
      if (i == 1 && libraw > 0) printf "   vs btf__parse_raw (libbpf incl. file read, separate process): median %.2fx\n", v[1, "median_us"] / libraw
      if (i == 1) printf "== allocated per parse: %.2f MiB; retained beyond the blob: %.2f MiB (target <= 1.50)\n", v[1, "allocated_bytes_per_parse"] / 1048576, v[1, "retained_bytes"] / 1048576
      if (i == 1 && b > 1) print "== per kernel:"
    }
  }' "$WORK/ours.txt"
