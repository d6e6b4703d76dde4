#!/usr/bin/env bash
# The fuzz harness of issue 11 (tests/CompatService.Fuzz; targets: object, btf, split-btf, check-object, check-kernel,
# kernel-input, config). Crashes and allocation blow-ups are saved under tests/artifacts/fuzz/<target>/.
#   scripts/fuzz.sh smoke [SECONDS] [SEED]     every target in-process, fixed seed, SECONDS in all (CI: 84); exit 1 on a crash
#   scripts/fuzz.sh run TARGET MINUTES [SEED]  one target, deterministic in-process mutation, for MINUTES
#   scripts/fuzz.sh campaign TARGET|all [EXECS] [SEED]
#                                              coverage-guided in-process campaign (default 10 000 000 executions per
#                                              target) with SharpFuzz-instrumented Engine/Kernels assemblies: edges found,
#                                              crashes, blow-ups and slow inputs per target (issue 11's on-demand campaign)
#   scripts/fuzz.sh afl TARGET MINUTES         one target under AFL++ (coverage-guided) with SharpFuzz-instrumented
#                                              Engine/Kernels assemblies; needs afl-fuzz (Debian afl++) and the
#                                              sharpfuzz tool (dotnet tool restore); findings in tests/artifacts/afl/TARGET
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mode=${1:-smoke}
# smoke uses the Debug build scripts/test.sh already made (an incremental no-op in CI); run/afl build Release.
config=Release; [ "$mode" = smoke ] && config=Debug
bin=tests/CompatService.Fuzz/bin/$config/net10.0
build() { dotnet build tests/CompatService.Fuzz/CompatService.Fuzz.csproj -c $config -nologo -v q 2>&1 | grep -E " error |rror\(s\)" | sort -u; }
case "$mode" in
  smoke)
    build
    dotnet "$bin/compat-fuzz.dll" smoke all --seconds "${2:-84}" --seed "${3:-1}" --artifacts tests/artifacts/fuzz ;;
  run)
    build
    dotnet "$bin/compat-fuzz.dll" smoke "$2" --seconds $(( ${3:-10} * 60 )) --seed "${4:-$RANDOM}" --artifacts tests/artifacts/fuzz ;;
  campaign)
    target=${2:-all}; execs=${3:-10000000}
    inst=tests/artifacts/campaign/bin
    dotnet tool restore >/dev/null
    build
    rm -rf "$inst"; mkdir -p "$(dirname "$inst")"; cp -r "$bin" "$inst"
    for dll in CompatService.Engine.dll CompatService.Kernels.dll; do dotnet sharpfuzz "$inst/$dll" >/dev/null; done
    echo "campaign at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    dotnet "$inst/compat-fuzz.dll" campaign "$target" --execs "$execs" --seed "${4:-1}" --artifacts tests/artifacts/fuzz ;;
  afl)
    target=$2; minutes=${3:-10}
    command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
    dotnet tool restore >/dev/null
    out=tests/artifacts/afl/$target; inst=$out/bin
    rm -rf "$inst"; mkdir -p "$out"
    build
    cp -r "$bin" "$inst"
    for dll in CompatService.Engine.dll CompatService.Kernels.dll; do dotnet sharpfuzz "$inst/$dll" >/dev/null; done
    dotnet "$inst/compat-fuzz.dll" seeds "$target" "$out/seeds"
    export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
    afl-fuzz -V $(( minutes * 60 )) -i "$out/seeds" -o "$out/findings" -x tests/CompatService.Fuzz/elf-btf.dict \
      -t 5000 -m none -- dotnet "$inst/compat-fuzz.dll" afl "$target"
    grep -E "execs_done|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|edges_found|total_edges" "$out/findings/default/fuzzer_stats" ;;
  *) echo "usage: scripts/fuzz.sh smoke [SECONDS] [SEED] | run TARGET MINUTES [SEED] | campaign TARGET|all [EXECS] [SEED] | afl TARGET MINUTES" >&2; exit 2 ;;
esac
