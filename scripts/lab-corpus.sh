#!/usr/bin/env bash
# The kernel lab on every corpus image (amd64; arm64 when named, see below): boots each under QEMU (one after another), loads every shared corpus object
# and every fixture program alone inside, writes one JSON per kernel, then the agreement table (scripts/lab-table.py).
# usage: scripts/lab-corpus.sh OUTDIR [KERNEL-DIR-NAME | PACKAGE.deb[=KERNEL-DIR-NAME] ...]
#   a Debian linux-image package in place of a corpus kernel is booted as `lab --image PACKAGE.deb` does (its vmlinuz,
#   config and kfunc-set modules, inserted in the guest); =KERNEL-DIR-NAME also passes that corpus directory as --kernel
#   (the package must be that kernel: same BTF). Its JSON, log, LAB_WORK, LAB_REPLAY and LAB_OBJECTS {k} name is the
#   package's file name without .deb; *_arm64.deb boots with the arm64 agent. (Paths are relative to the repository root.)
#   env: COMPAT_CORPUS (default ../shared/corpus), COMPAT_NATIVE_AGENT (the AOT agent put into the guest),
#        LAB="dotnet run --project src/CompatService.Agent --" (the host side; default the native agent itself),
#        LAB_WORK (keep each run's work directory, console.log and results.log, under LAB_WORK/KERNEL)
#        LAB_REPLAY=DIR: boot nothing; compare the kept real outcomes DIR/KERNEL/results.log (a former run's LAB_WORK)
#        again with this engine (`lab --replay`), e.g. after an engine change; LAB_OBJECTS=FILE (one path a line, or
#        FILE-with-{k} expanded per kernel) names the objects in the order of that run
#   arm64 kernels (debian-6.1.0-56-arm64: Image.gz): the arm64 agent and sysroot of scripts/build-agent-arm64.sh
#        (COMPAT_ARM64=DIR, default tests/artifacts/arm64, built when missing), booted with qemu-system-aarch64 under TCG
set -uo pipefail
cd "$(dirname "$0")/.."
corpus=${COMPAT_CORPUS:-../shared/corpus}
out=${1:?usage: scripts/lab-corpus.sh OUTDIR [KERNEL...]}; shift
mkdir -p "$out"
agent=${COMPAT_NATIVE_AGENT:-tests/artifacts/native-agent/compat-agent}
if [ -z "${LAB_REPLAY:-}" ] && [ ! -x "$agent" ]; then
  dotnet publish src/CompatService.Agent -r linux-x64 -p:PublishAot=true -o tests/artifacts/native-agent -nologo -v q || exit 3
fi
lab=${LAB:-$agent}
# corpus objects: every carved EM_BPF object that is not a byte-identical duplicate of another
mapfile -t objects < <(jq -r '.objects[] | select(.duplicate_of == null) | .file' "$corpus/objects/manifest.json" | sed "s|^|$corpus/objects/|")
objects+=(tests/fixtures/bpf/*.bpfel.o)
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(debian-6.1.0-56-amd64 debian-5.10.0-46-amd64 "debian-6.12.117+deb12-amd64" "debian-7.2.13+deb14-amd64")
for k in "${kernels[@]}"; do
  image="$corpus/images/$k/vmlinuz" guest=$agent extra=() kdir=$corpus/btf/$k arch=amd64
  if [[ $k == *.deb || $k == *.deb=* ]]; then
    image=${k%%=*} kdir=
    [[ $k == *=* ]] && kdir=$corpus/btf/${k#*=}
    [[ $image == *_arm64.deb ]] && arch=arm64
    k=$(basename "$image" .deb)
  elif [ ! -f "$image" ] && [ -f "$corpus/images/$k/Image.gz" ]; then
    image="$corpus/images/$k/Image.gz" arch=arm64
  fi
  if [ "$arch" = arm64 ]; then
    arm64=${COMPAT_ARM64:-tests/artifacts/arm64}
    [ -n "${LAB_REPLAY:-}" ] || [ -x "$arm64/agent/compat-agent" ] || bash scripts/build-agent-arm64.sh "$arm64" || exit 3
    guest=$arm64/agent/compat-agent extra=(--sysroot "$arm64/sysroot")
  fi
  [ -f "$image" ] || { echo "$k: no image, skipped"; continue; }
  [ -z "$kdir" ] || extra+=(--kernel "$kdir")
  if [ -n "${LAB_OBJECTS:-}" ]; then mapfile -t objects <"${LAB_OBJECTS//\{k\}/$k}" || exit 2; fi
  if [ -n "${LAB_REPLAY:-}" ]; then
    [ -f "$LAB_REPLAY/$k/results.log" ] || { echo "$k: no $LAB_REPLAY/$k/results.log, skipped"; continue; }
    extra+=(--replay "$LAB_REPLAY/$k/results.log")
  fi
  echo "== $k: ${#objects[@]} objects ($(date -u +%H:%M:%S))"
  $lab lab --image "$image" --agent "$guest" "${extra[@]}" --format json --skip-bad-objects \
    --boot-timeout 300 --program-timeout 60 ${LAB_WORK:+--work "$LAB_WORK/$k"} "${objects[@]}" >"$out/$k.json" 2>"$out/$k.log"
  echo "$k: exit $? ($(date -u +%H:%M:%S))"
done
python3 scripts/lab-table.py "$out"/*.json
