using BenchmarkDotNet.Running;
using CompatService.Benchmarks;

// Modes:
//   --btf-parse [FILE] [N]   plain timing loop of BtfSpec.Parse (parse + name index) on one blob, plus retained memory;
//                            used by scripts/bench-btf.sh next to libbpf's btf__new on the same blob.
//   --cell-profile KERNELS OBJECTS [ROUNDS]  Check cost on a freshly opened kernel vs a warm one (scripts/bench-fleet.sh)
//   --kallsyms IMAGE... [--rounds N]  decode time / allocations / table size of each image's kallsyms
//   --hostile [ROUNDS]       issue 11's cost items (1 M instructions, 65 529 sections): ms and bytes per engine phase
//   --budget-profile OBJECTS_DIR KERNEL_DIR  most AnalysisBudget steps any object takes to read and to check
//   anything else            BenchmarkDotNet (BenchmarkSwitcher over every [Benchmark] class in this assembly),
//                            e.g. `--filter '*Btf*'` or `--list flat`; add new benchmark classes anywhere in this project.
if (args.Length > 0 && args[0] == "--btf-parse")
    return BtfParseTiming.Run(args[1..]);
if (args.Length > 0 && args[0] == "--budget-profile")
    return HostileCost.Profile(args[1..]);
if (args.Length > 0 && args[0] == "--hostile")
    return HostileCost.Run(args[1..]);
if (args.Length > 0 && args[0] == "--kallsyms")
    return KallsymsTiming.Run(args[1..]);
if (args.Length > 0 && args[0] == "--cell-profile")
    return CellProfile.Run(args[1..]);

BenchmarkSwitcher.FromAssembly(typeof(BtfParseBenchmarks).Assembly).Run(args);
return 0;
