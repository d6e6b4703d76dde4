#!/usr/bin/env bash
# Fetches Debian's linux-image package of the lab's 6.1 kernel (the corpus image debian-6.1.0-56-amd64, same BTF) with
# its modules, for the module-kfunc lab run (`compat-agent lab --image PKG`, LabPackageTests). A PRIVATE apt config
# (own sources.list, state and cache under a temp dir): nothing is installed or changed system-wide.
# usage: scripts/fetch-lab-package.sh [OUTDIR]   (default /work/lab-pkgs; the .deb stays outside the repository)
#   env: LAB_PACKAGE (default linux-image-6.1.0-56-amd64-unsigned), LAB_VERSION (default 6.1.192-2),
#        LAB_SUITE (default bookworm-security), LAB_MIRROR (default http://deb.debian.org/debian-security)
set -euo pipefail
out=${1:-/work/lab-pkgs}
pkg=${LAB_PACKAGE:-linux-image-6.1.0-56-amd64-unsigned}
version=${LAB_VERSION:-6.1.192-2}
suite=${LAB_SUITE:-bookworm-security}
mirror=${LAB_MIRROR:-http://deb.debian.org/debian-security}
expect_sha=${LAB_SHA256:-530631662c9ad84758eca2d7609cf40623309afd4bccbeb563f33e9c7f220bdf}
mkdir -p "$out"
file="$out/${pkg}_${version}_amd64.deb"
if [ -f "$file" ] && echo "$expect_sha  $file" | sha256sum -c --status; then echo "$file: present"; exit 0; fi
apt=$(mktemp -d /tmp/lab-apt.XXXXXX)
trap 'rm -rf "$apt"' EXIT
mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial"
touch "$apt/state/status"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State=$apt/state"
      -o "Dir::State::status=$apt/state/status" -o "Dir::Cache=$apt/cache" -o APT::Architecture=amd64)
apt-get "${opts[@]}" update -qq
(cd "$out" && apt-get "${opts[@]}" download "$pkg=$version")
# the archive's signed index vouches for the bytes; the pinned sha256 says it is the package the README numbers came from
if [ -n "$expect_sha" ] && ! echo "$expect_sha  $file" | sha256sum -c --status; then
  echo "$file: sha256 $(sha256sum "$file" | cut -d' ' -f1) is not the expected $expect_sha (LAB_SHA256= to accept another)" >&2; exit 1
fi
echo "$file"
