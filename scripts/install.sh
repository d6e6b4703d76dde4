#!/usr/bin/env bash
# Installs `compat` and `compat-agent` as native AOT binaries (no .NET runtime start-up, no `dotnet run`).
#   scripts/install.sh                    → builds both, puts them in $PREFIX/bin (root: /usr/local, else ~/.local)
#   PREFIX=/opt/compat scripts/install.sh
#   COMPAT_R2R=1 scripts/install.sh       → ReadyToRun builds instead (when clang / zlib1g-dev are not available)
# Native AOT needs clang and zlib1g-dev (apt-get install clang zlib1g-dev); the script says so when they are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ $(id -u) -eq 0 ]]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
rid=linux-$(case "$(uname -m)" in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac)
lib="$prefix/lib/compatservice"
log() { echo "[install] $*" >&2; }

mode=aot
if [[ "${COMPAT_R2R:-0}" == 1 ]]; then mode=r2r
elif ! command -v clang >/dev/null || [[ ! -e /usr/include/zlib.h ]]; then
  log "clang or zlib1g-dev missing (apt-get install clang zlib1g-dev): building ReadyToRun instead of native AOT"
  mode=r2r
fi

publish() { # project name
  local out="$lib/$2"
  rm -rf "$out"
  if [[ $mode == aot ]]; then
    dotnet publish "$root/src/$1/$1.csproj" -c Release -r "$rid" -p:PublishAot=true -o "$out" -nologo -v quiet >&2
  else
    dotnet publish "$root/src/$1/$1.csproj" -c Release -r "$rid" --self-contained -p:PublishReadyToRun=true -o "$out" -nologo -v quiet >&2
  fi
  rm -f "$out"/*.dbg "$out"/*.pdb
  mkdir -p "$prefix/bin"
  ln -sf "$out/$2" "$prefix/bin/$2"
  log "$2 → $prefix/bin/$2 ($mode, $(du -sh "$out" | cut -f1))"
}

log "building native binaries for $rid into $lib (a few minutes)"
publish CompatService.Cli compat
publish CompatService.Agent compat-agent
case ":$PATH:" in
  *":$prefix/bin:"*) log "done: try 'compat --help' and 'compat-agent --help'" ;;
  *) log "done; $prefix/bin is not on PATH: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
