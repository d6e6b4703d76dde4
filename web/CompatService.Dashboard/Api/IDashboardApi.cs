using CompatService.Contracts;

namespace CompatService.Dashboard.Api;

/// <summary>Everything the dashboard reads and writes, as the service's REST API serves it (ApiRoutes + Contracts DTOs).</summary>
public interface IDashboardApi
{
    Task<IReadOnlyList<KernelDto>> KernelsAsync(CancellationToken ct = default);
    Task<KernelDto?> KernelAsync(long id, CancellationToken ct = default);
    Task<IReadOnlyList<KernelKfuncDto>> KernelKfuncsAsync(long id, CancellationToken ct = default);
    Task<KernelDiffDto?> KernelDiffAsync(long id, long otherId, CancellationToken ct = default);
    Task<IReadOnlyList<ObjectDto>> ObjectsAsync(CancellationToken ct = default);
    Task<ObjectDto?> ObjectAsync(long id, CancellationToken ct = default);
    /// <summary>Each program's requirements and minimum kernel per stream; null for an unknown object.</summary>
    Task<ObjectRequirementsDto?> ObjectRequirementsAsync(long id, CancellationToken ct = default) => Task.FromResult<ObjectRequirementsDto?>(null);
    Task<DisassemblyDto?> DisassemblyAsync(long objectId, string program, long? kernelId, CancellationToken ct = default);
    Task<MatrixReport> MatrixAsync(MatrixQuery query, CancellationToken ct = default);
    Task<KfuncHistoryDto> KfuncAsync(string name, CancellationToken ct = default);
    Task<IReadOnlyList<ObservedOutcomeDto>> AgentReportsAsync(CancellationToken ct = default);
    /// <summary>Observed outcomes of lab runs (source "lab"); none by default.</summary>
    Task<IReadOnlyList<ObservedOutcomeDto>> LabOutcomesAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<ObservedOutcomeDto>>([]);
    /// <summary>GET /api/lab/agreement: per kernel, its latest finished lab run; none by default.</summary>
    Task<IReadOnlyList<LabAgreementDto>> LabAgreementAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<LabAgreementDto>>([]);

    /// <summary>POST /api/kernels; the fields that are set override what the input says.</summary>
    Task<UploadResult<KernelDto>> UploadKernelAsync(Stream content, string fileName, KernelUploadFields fields,
        IProgress<long>? progress = null, CancellationToken ct = default);

    /// <summary>POST /api/kernels/{id}/modules: a module's BTF on top of a stored kernel.</summary>
    Task<UploadResult<KernelDto>> UploadModuleAsync(long kernelId, Stream content, string fileName, string? name,
        IProgress<long>? progress = null, CancellationToken ct = default);

    /// <summary>POST /api/kernels/{id}/config: the kernel's .config (plain or gzip'd), for kconfig externs and the kallsyms rule.</summary>
    Task<UploadResult<KernelDto>> UploadKernelConfigAsync(long kernelId, Stream content, string fileName,
        IProgress<long>? progress = null, CancellationToken ct = default);

    /// <summary>PATCH /api/kernels/{id} (write key): name a kernel; null when there is no such kernel.</summary>
    Task<KernelDto?> PatchKernelAsync(long id, KernelPatchRequest request, CancellationToken ct = default) =>
        throw new NotSupportedException("this dashboard API cannot write kernels");

    Task<UploadResult<ObjectDto>> UploadObjectAsync(Stream content, string fileName, string? name, string? labels,
        IProgress<long>? progress = null, CancellationToken ct = default);
}

/// <summary>Server-side matrix filters (the service applies them): label pairs k=v, arch, inclusive release range.</summary>
public sealed record MatrixQuery(string? ObjectLabel = null, string? KernelLabel = null, string? Arch = null,
    string? MinRelease = null, string? MaxRelease = null, string? ObjectSha256 = null);

/// <summary>Optional form fields of a kernel upload (labels as k=v,k2=v2 or a JSON object).</summary>
public sealed record KernelUploadFields(string? Release = null, string? Arch = null, string? Flavour = null, string? Distro = null,
    string? Labels = null);

/// <summary><see cref="Created"/>: 201 (new) or 200 (the same blob was already stored).</summary>
public sealed record UploadResult<T>(T Value, bool Created);
