using BenchmarkDotNet.Running;

// Run on demand: dotnet run -c Release --project tests/CompatService.Benchmarks -- --filter '*'
// CI dry-runs it: ... -- --filter '*' --job dry
BenchmarkSwitcher.FromAssembly(typeof(CompatService.Benchmarks.MatrixBenchmarks).Assembly).Run(args);
