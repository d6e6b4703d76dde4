#!/usr/bin/env bash
# The arm64 kernel lab's inputs, built on an amd64 Debian host (on demand, not in CI):
#   OUT/sysroot             Debian's arm64 libc6(-dev), libgcc, zlib, libssl3 and busybox-static unpacked (apt-get download
#                           through a private apt configuration: nothing arm64 is installed on the host, no dpkg architecture added)
#   OUT/agent/compat-agent  the agent published NativeAOT for linux-arm64, linked by clang --target=aarch64-linux-gnu
#                           against OUT/sysroot with binutils-aarch64-linux-gnu's ld (bfd)
# usage: scripts/build-agent-arm64.sh [OUT]     (default tests/artifacts/arm64; FORCE=1 republishes the agent)
# then:  compat-agent lab --image ../shared/corpus/images/debian-6.1.0-56-arm64/Image.gz \
#          --kernel ../shared/corpus/btf/debian-6.1.0-56-arm64 --agent OUT/agent/compat-agent --sysroot OUT/sysroot OBJECTS...
# Idempotent: downloads and unpacks only what is missing; republishes only when a source file is newer than the agent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-tests/artifacts/arm64}")
sysroot=$out/sysroot apt=$out/apt agent=$out/agent/compat-agent
packages=(libc6 libc6-dev linux-libc-dev libgcc-s1 libgcc-12-dev zlib1g zlib1g-dev libssl3 busybox-static)

need() { # tool package: install the host package that provides a missing tool (root only)
  command -v "$1" >/dev/null && return
  [ "$(id -u)" = 0 ] || { echo "build-agent-arm64: $1 missing: apt-get install $2" >&2; exit 3; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need clang clang
need aarch64-linux-gnu-ld binutils-aarch64-linux-gnu
need qemu-system-aarch64 qemu-system-arm

# 1. the sysroot: a private apt state for arm64 (the host's sources, its own lists, cache and empty dpkg status)
if [ ! -f "$sysroot/.complete" ]; then
  mkdir -p "$apt"/{lists/partial,cache/archives/partial,debs} "$sysroot"
  touch "$apt/status"
  cat >"$apt/apt.conf" <<EOF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Sandbox::User "root";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
EOF
  export APT_CONFIG=$apt/apt.conf
  apt-get update -qq
  (cd "$apt/debs" && apt-get download -qq "${packages[@]}")
  for deb in "$apt"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
  [ -x "$sysroot/bin/busybox" ] && [ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || { echo "build-agent-arm64: sysroot incomplete" >&2; exit 3; }
  touch "$sysroot/.complete"
  echo "sysroot: $sysroot ($(du -sh "$sysroot" | cut -f1))"
fi

# 2. the agent: NativeAOT cross-compiled (the SDK picks the ILCompiler / NativeAOT runtime packs for linux-arm64)
if [ "${FORCE:-0}" = 1 ] || [ ! -x "$agent" ] || [ -n "$(find src Directory.Build.props Directory.Packages.props -newer "$agent" \
    \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -not -path '*/obj/*' -not -path '*/bin/*' -print -quit)" ]; then
  start=$(date +%s)
  dotnet publish src/CompatService.Agent -r linux-arm64 -p:PublishAot=true -p:SysRoot="$sysroot" -p:LinkerFlavor=bfd \
    -p:ObjCopyName=aarch64-linux-gnu-objcopy -o "$out/agent" -nologo -v q
  echo "agent: $agent ($(( $(date +%s) - start )) s)"
fi
file "$agent" | grep -q 'ARM aarch64' || { echo "build-agent-arm64: $agent is not an aarch64 binary" >&2; exit 3; }
echo "$agent"
