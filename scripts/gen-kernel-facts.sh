#!/usr/bin/env bash
# Regenerates src/CompatService.Engine/KernelFacts/Data/linux-<version>.json.gz from Debian's linux-source-* packages.
#   bash scripts/gen-kernel-facts.sh                 # every version below
#   bash scripts/gen-kernel-facts.sh 6.12            # one version
# Needs network (apt) and ~2 GB of scratch space in $WORK (default /tmp/kernel-facts). Uses a PRIVATE apt sources list and
# state directory per suite: nothing is installed and the system's apt configuration is not touched. The engine and its
# tests never need network: the generated files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/kernel-facts}
OUT=src/CompatService.Engine/KernelFacts/Data
# version  suite  apt source line(s)
VERSIONS=(
  "5.10|bullseye|deb http://deb.debian.org/debian bullseye main;deb http://deb.debian.org/debian-security bullseye-security main"
  "6.1|bookworm|deb http://deb.debian.org/debian bookworm main;deb http://deb.debian.org/debian-security bookworm-security main"
  "6.12|trixie|deb http://deb.debian.org/debian trixie main;deb http://deb.debian.org/debian-security trixie-security main"
  "7.2|sid|deb http://deb.debian.org/debian sid main"
  "7.3|trixie-backports|deb http://deb.debian.org/debian trixie-backports main"
)
mkdir -p "$WORK" "$OUT"
dotnet build tools/CompatService.KernelFacts.Generator -c Release -v q -nologo -o "$WORK/gen" >/dev/null
for entry in "${VERSIONS[@]}"; do
  IFS='|' read -r version suite lines <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $version "* ]]; then continue; fi
  pkg=linux-source-$version
  apt_dir=$WORK/apt/$suite; mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$WORK/deb/$suite"
  tr ';' '\n' <<<"$lines" >"$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State=$apt_dir/state" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update -qq
  pkg_version=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')
  [ -n "$pkg_version" ] && [ "$pkg_version" != "(none)" ] || { echo "$pkg: not in $suite" >&2; exit 1; }
  (cd "$WORK/deb/$suite" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download -qq "$pkg=$pkg_version" 2>/dev/null)
  deb=$(ls "$WORK/deb/$suite"/*.deb)
  sha=$(sha256sum "$deb" | cut -d' ' -f1)
  src=$WORK/src/$version; rm -rf "$src"; mkdir -p "$src"
  # Only the C sources and headers outside arch/, tools/ (selftests), samples/, Documentation/ and sound/.
  dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | xz -dc -T2 \
    | tar -x -C "$src" --strip-components=1 --wildcards --exclude='*/tools/*' --exclude='*/arch/*' \
        --exclude='*/Documentation/*' --exclude='*/samples/*' --exclude='*/sound/*' '*.c' '*.h'
  dotnet "$WORK/gen/gen-kernel-facts.dll" --source "$src" --version "$version" --package "$pkg" \
    --package-version "$pkg_version" --sha256 "$sha" --suite "$suite" --out "$OUT/linux-$version.json.gz"
done
