#!/usr/bin/env bash
# Runs every test project and prints one closing line: "N passed, N failed, N skipped".
# Usage: scripts/test.sh [extra dotnet test args]   (THE test command of the README)
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=$(mktemp -d)

echo "== restore and build"
dotnet tool restore >/dev/null 2>&1 || true
if ! dotnet build CompatService.sln -c Debug -nologo -v q 2>&1 | tee "$results/build.log" | grep -E " error |Warn|Error" ; then :; fi
if ! grep -q "Build succeeded" "$results/build.log"; then
  echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi

passed=0; failed=0; skipped=0; ran=0; status=0
for proj in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  log="$results/$name.log"
  dotnet test "$proj" --no-build -nologo --logger "console;verbosity=normal" \
    --results-directory "tests/artifacts/$name" "$@" >"$log" 2>&1
  rc=$?
  grep -E "^\s+Failed " -A3 "$log" | head -200                       # failures with their message
  grep -E "\[SKIP\]" -A1 "$log" | sed -E 's/^\[xUnit.net [0-9:.]+\]\s*/  /' | head -80   # skips with their reason
  if ! grep -qE "^Total tests: [0-9]+" "$log"; then
    echo "$name: no test summary (exit $rc)"; tail -30 "$log"; failed=$((failed + 1)); status=1; continue
  fi
  count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+" || echo 0; }
  p=$(count Passed); f=$(count Failed); s=$(count Skipped)
  echo "$name: $p passed, $f failed, $s skipped"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s)); ran=$((ran + p + f))
  [ "$rc" -ne 0 ] && status=1
done

if [ "$ran" -eq 0 ]; then echo "no test ran"; status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
