using System.Net.Http.Json;
using CompatService.Api.Commands;
using CompatService.Api.Ingest;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CompatService.Api.Tests.Infrastructure;

/// <summary>
/// The service seeded once per class with real corpus kernels (imported like `import DIR` does: BTF, module BTFs,
/// config, .BTF_ids kfunc flags, info.json) and every fixture object (uploaded through the API).
/// </summary>
public sealed class CorpusApiFactory : ApiFactory
{
    public static readonly string[] KernelDirs = ["debian-6.1.0-56-amd64", "debian-6.12.117+deb13-amd64", "host-6.18.44-fc-v669-x86_64"];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _seeded;

    public List<(string Dir, KernelDto Kernel)> Kernels { get; } = [];
    public List<(string File, ObjectDto Object)> Objects { get; } = [];

    public async Task EnsureSeededAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_seeded) return;
            foreach (var dir in KernelDirs)
            {
                await using var scope = Services.CreateAsyncScope();
                var store = scope.ServiceProvider.GetRequiredService<KernelStore>();
                var r = await ImportCommand.ImportCorpusDirAsync(store, Files.CorpusKernel(dir), new Dictionary<string, string> { ["source"] = "corpus" });
                using var reader = CreateClient();
                Kernels.Add((dir, (await reader.GetFromJsonAsync<KernelDto>($"/api/kernels/{r.Kernel.Id}"))!));
            }
            using var c = Writer();
            foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal))
            {
                var r = await c.PostAsync(ApiRoutes.Objects, Multipart.File(await File.ReadAllBytesAsync(file), Path.GetFileName(file),
                    ("labels", "suite=fixtures")));
                r.EnsureSuccessStatusCode();
                Objects.Add((file, (await r.Content.ReadFromJsonAsync<ObjectDto>())!));
            }
            _seeded = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
