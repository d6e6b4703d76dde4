using System.Net;
using CompatService.Contracts;
using CompatService.Dashboard.Api;

namespace CompatService.Dashboard.Tests.Infrastructure;

/// <summary>An in-memory IDashboardApi: components are tested against data, not a server.</summary>
public sealed class FakeDashboardApi : IDashboardApi
{
    public List<KernelDto> Kernels { get; } = [];
    public List<ObjectDto> Objects { get; } = [];
    public MatrixReport Matrix { get; set; } = new([], []);
    public Dictionary<long, List<KernelKfuncDto>> KernelKfuncs { get; } = [];
    public Dictionary<(long, long), KernelDiffDto> Diffs { get; } = [];
    public Dictionary<string, KfuncHistoryDto> Kfuncs { get; } = [];
    public Dictionary<(long, string, long?), DisassemblyDto> Disassembly { get; } = [];
    public List<ObservedOutcomeDto> Reports { get; } = [];
    public List<ObservedOutcomeDto> LabOutcomes { get; } = [];
    public List<LabAgreementDto> LabAgreement { get; } = [];
    public List<MatrixQuery> MatrixQueries { get; } = [];
    public List<(string Kind, string FileName, byte[] Bytes, string? Labels)> Uploads { get; } = [];
    /// <summary>When set, uploads are refused with it (the service's ProblemDetails).</summary>
    public DashboardApiException? UploadError { get; set; }
    /// <summary>When set, every read fails with it.</summary>
    public Exception? ReadError { get; set; }

    private T Read<T>(T value) => ReadError is { } e ? throw e : value;

    public List<(long Id, KernelPatchRequest Request)> Patches { get; } = [];

    /// <summary>Applies a PATCH like the service: given fields set, labels merged (a null value removes one).</summary>
    public Task<KernelDto?> PatchKernelAsync(long id, KernelPatchRequest r, CancellationToken ct = default)
    {
        Patches.Add((id, r));
        var i = Kernels.FindIndex(k => k.Id == id);
        if (i < 0) return Task.FromResult<KernelDto?>(null);
        var k = Kernels[i];
        Kernels[i] = k with { Release = r.Release ?? k.Release, Arch = r.Arch ?? k.Arch, Flavour = r.Flavour ?? k.Flavour, Distro = r.Distro ?? k.Distro };
        return Task.FromResult<KernelDto?>(Kernels[i]);
    }

    public Task<IReadOnlyList<KernelDto>> KernelsAsync(CancellationToken ct = default) => Task.FromResult(Read<IReadOnlyList<KernelDto>>(Kernels));
    public Task<KernelDto?> KernelAsync(long id, CancellationToken ct = default) => Task.FromResult(Read(Kernels.FirstOrDefault(k => k.Id == id)));
    public Task<IReadOnlyList<KernelKfuncDto>> KernelKfuncsAsync(long id, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<KernelKfuncDto>>(Read(KernelKfuncs.GetValueOrDefault(id) ?? []));
    public Task<KernelDiffDto?> KernelDiffAsync(long id, long otherId, CancellationToken ct = default) =>
        Task.FromResult(Read(Diffs.GetValueOrDefault((id, otherId))));
    public Task<IReadOnlyList<ObjectDto>> ObjectsAsync(CancellationToken ct = default) => Task.FromResult(Read<IReadOnlyList<ObjectDto>>(Objects));
    public Task<ObjectDto?> ObjectAsync(long id, CancellationToken ct = default) => Task.FromResult(Read(Objects.FirstOrDefault(o => o.Id == id)));
    public Dictionary<long, ObjectRequirementsDto> Requirements { get; } = [];
    public Task<ObjectRequirementsDto?> ObjectRequirementsAsync(long id, CancellationToken ct = default) =>
        Task.FromResult(Read(Requirements.GetValueOrDefault(id)));
    public Task<DisassemblyDto?> DisassemblyAsync(long objectId, string program, long? kernelId, CancellationToken ct = default) =>
        Task.FromResult(Read(Disassembly.GetValueOrDefault((objectId, program, kernelId))));
    public Task<MatrixReport> MatrixAsync(MatrixQuery query, CancellationToken ct = default)
    {
        MatrixQueries.Add(query);
        return Task.FromResult(Read(Matrix));
    }
    public Task<KfuncHistoryDto> KfuncAsync(string name, CancellationToken ct = default) =>
        Task.FromResult(Read(Kfuncs.GetValueOrDefault(name) ?? new KfuncHistoryDto(name, [])));
    public Task<IReadOnlyList<ObservedOutcomeDto>> AgentReportsAsync(CancellationToken ct = default) =>
        Task.FromResult(Read<IReadOnlyList<ObservedOutcomeDto>>(Reports));
    public Task<IReadOnlyList<ObservedOutcomeDto>> LabOutcomesAsync(CancellationToken ct = default) =>
        Task.FromResult(Read<IReadOnlyList<ObservedOutcomeDto>>(LabOutcomes));
    public Task<IReadOnlyList<LabAgreementDto>> LabAgreementAsync(CancellationToken ct = default) =>
        Task.FromResult(Read<IReadOnlyList<LabAgreementDto>>(LabAgreement));

    public async Task<UploadResult<KernelDto>> UploadKernelAsync(Stream content, string fileName, KernelUploadFields fields,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var bytes = await ReadAllAsync(content, progress, ct);
        Uploads.Add(("kernel", fileName, bytes, fields.Labels));
        if (UploadError is { } e) throw e;
        var k = TestData.Kernel(100 + Uploads.Count, fields.Release ?? "6.1.0-1-amd64", fields.Arch ?? "x86_64", fields.Distro, fields.Flavour);
        return new UploadResult<KernelDto>(k, true);
    }

    public async Task<UploadResult<KernelDto>> UploadModuleAsync(long kernelId, Stream content, string fileName, string? name,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var bytes = await ReadAllAsync(content, progress, ct);
        Uploads.Add(("module:" + kernelId.ToString(System.Globalization.CultureInfo.InvariantCulture), fileName, bytes, name));
        if (UploadError is { } e) throw e;
        var k = Kernels.First(x => x.Id == kernelId);
        return new UploadResult<KernelDto>(k with { Modules = [.. k.Modules, name ?? Path.GetFileNameWithoutExtension(fileName)] }, true);
    }

    public async Task<UploadResult<KernelDto>> UploadKernelConfigAsync(long kernelId, Stream content, string fileName,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var bytes = await ReadAllAsync(content, progress, ct);
        Uploads.Add(("config:" + kernelId.ToString(System.Globalization.CultureInfo.InvariantCulture), fileName, bytes, null));
        if (UploadError is { } e) throw e;
        var k = Kernels.First(x => x.Id == kernelId);
        return new UploadResult<KernelDto>(k with { HasConfig = true }, true);
    }

    public async Task<UploadResult<ObjectDto>> UploadObjectAsync(Stream content, string fileName, string? name, string? labels,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var bytes = await ReadAllAsync(content, progress, ct);
        Uploads.Add(("object", fileName, bytes, labels));
        if (UploadError is { } e) throw e;
        var o = TestData.Object(200 + Uploads.Count, name ?? fileName);
        return new UploadResult<ObjectDto>(o, Uploads.Count(u => u.FileName == fileName) == 1);
    }

    private static async Task<byte[]> ReadAllAsync(Stream s, IProgress<long>? progress, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        progress?.Report(ms.Length);
        return ms.ToArray();
    }

    public static DashboardApiException Problem(int status, string title, string detail) => new((HttpStatusCode)status, title, detail);
}
