#!/usr/bin/env bash
# BTF parse benchmark: libbpf (Debian libbpf-dev) btf__new / btf__parse_raw vs our BtfSpec.Parse (parse + name index)
# on the same raw blob, in the same run; prints both and the ratio (target: ours <= 0.7x btf__new).
# Usage: scripts/bench-btf.sh [BLOB] [N]   BLOB: raw or .gz BTF (default /sys/kernel/btf/vmlinux, else the largest
#        corpus vmlinux.btf.gz, else the largest fixture); N iterations (default 200).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${2:-200}
WORK=$(mktemp -d /tmp/bench-btf.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

BLOB=${1:-}
if [ -z "$BLOB" ]; then
  if [ -r /sys/kernel/btf/vmlinux ]; then BLOB=/sys/kernel/btf/vmlinux
  else
    CORPUS=${COMPAT_CORPUS:-$ROOT/../shared/corpus}
    BLOB=$(ls -S "$CORPUS"/btf/*/vmlinux.btf.gz "$ROOT"/tests/fixtures/kernels/*/vmlinux.btf.gz 2>/dev/null | head -1)
  fi
fi
[ -n "$BLOB" ] || { echo "no BTF blob found" >&2; exit 2; }
RAW="$WORK/blob.btf"
if [ "$(head -c2 "$BLOB" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then gzip -dc "$BLOB" > "$RAW"; else cat "$BLOB" > "$RAW"; fi

if [ ! -f /usr/include/bpf/btf.h ]; then
  echo "installing libbpf-dev ..." >&2
  apt-get install -y libbpf-dev >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y libbpf-dev >/dev/null; }
fi
gcc -O2 -o "$WORK/btf_parse_bench" "$ROOT/scripts/bench-libbpf/btf_parse_bench.c" -lbpf

echo "building the benchmark project (Release) ..." >&2
dotnet build -c Release "$ROOT/tests/CompatService.Benchmarks" -o "$WORK/bench" >/dev/null

echo "== libbpf $(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || echo '?') on $BLOB"
"$WORK/btf_parse_bench" "$RAW" "$N" | tee "$WORK/libbpf.txt"
echo "== CompatService BtfSpec.Parse on $BLOB"
dotnet "$WORK/bench/CompatService.Benchmarks.dll" --btf-parse "$RAW" "$N" | tee "$WORK/ours.txt"

get() { grep "^$2=" "$1" | cut -d= -f2; }
awk -v ours="$(get "$WORK/ours.txt" median_us)" -v oursmin="$(get "$WORK/ours.txt" min_us)" \
    -v lib="$(get "$WORK/libbpf.txt" btf_new_median_us)" -v libmin="$(get "$WORK/libbpf.txt" btf_new_min_us)" \
    -v libraw="$(get "$WORK/libbpf.txt" btf_parse_raw_median_us)" -v ret="$(get "$WORK/ours.txt" retained_bytes)" \
    -v load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" 'BEGIN {
  printf "== parse + name index vs libbpf btf__new (target <= 0.70), load average %s on %d cores:\n", load, '"$(nproc)"';
  printf "   median %.2fx, min %.2fx\n", ours / lib, oursmin / libmin;
  printf "   vs btf__parse_raw (libbpf incl. file read): median %.2fx\n", ours / libraw;
  printf "== retained beyond the blob: %.2f MiB (target <= 1.50)\n", ret / 1048576 }'
