using CompatService.Reporting;

namespace CompatService.Api.Endpoints;

public static class KernelsApi
{
    public static IEndpointRouteBuilder MapKernelsApi(this IEndpointRouteBuilder app)
    {
        var (reads, writes) = app.KeyedGroups("Kernels");

        reads.MapGet(ApiRoutes.Kernels, ListAsync).WithName("ListKernels");
        reads.MapGet(ApiRoutes.Kernel, GetAsync).WithName("GetKernel");
        reads.MapGet(ApiRoutes.KernelKfuncs, KfuncsAsync).WithName("GetKernelKfuncs");
        reads.MapGet(ApiRoutes.KernelDiff, DiffAsync).WithName("DiffKernels");
        writes.MapPost(ApiRoutes.Kernels, UploadAsync).WithName("UploadKernel").DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data").ProducesProblem(413).ProducesProblem(422);
        writes.MapPost(ApiRoutes.KernelModules, UploadModuleAsync).WithName("UploadKernelModule").DisableAntiforgery()
            .ProducesProblem(413).ProducesProblem(422);
        reads.MapGet(ApiRoutes.KernelConfig, ConfigAsync).WithName("GetKernelConfig").Produces<string>(200, "text/plain");
        writes.MapPost(ApiRoutes.KernelConfig, UploadConfigAsync).WithName("UploadKernelConfig").DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data").ProducesProblem(409).ProducesProblem(413).ProducesProblem(422);
        writes.MapDelete(ApiRoutes.Kernel, DeleteAsync).WithName("DeleteKernel");
        writes.MapPatch(ApiRoutes.Kernel, PatchAsync).WithName("PatchKernel").ProducesProblem(400).ProducesProblem(404);
        return app;
    }

    private static async Task<Ok<List<KernelDto>>> ListAsync(KernelCatalog kernels, [FromQuery(Name = "label")] string[]? label,
        string? release, string? arch, string? minRelease, string? maxRelease, CancellationToken ct)
    {
        var (rel, min, max) = QueryCheck.Releases(release, minRelease, maxRelease);
        var f = new MatrixFilter(new Dictionary<string, string>(), Labels.ParseQuery(label), QueryCheck.Arch("arch", arch), rel, min, max);
        return TypedResults.Ok((await kernels.SelectAsync(f, ct)).Select(k => k.ToDto()).ToList());
    }

    private static async Task<Results<Ok<KernelDto>, ProblemHttpResult>> GetAsync(KernelCatalog kernels, long id, CancellationToken ct) =>
        await kernels.FindAsync(id, ct) is { } k ? TypedResults.Ok(k.ToDto()) : UnknownKernel(id);

    internal static ProblemHttpResult UnknownKernel(long id) => Problems.NotFound("unknown kernel", $"no kernel with id {id}");

    private static async Task<Results<Created<KernelDto>, Ok<KernelDto>>> UploadAsync(
        IFormFile? file, [FromForm] string? release, [FromForm] string? arch, [FromForm] string? flavour,
        [FromForm] string? distro, [FromForm] string? labels, IFormFile? config, KernelStore store, IOptions<CompatOptions> o, CancellationToken ct)
    {
        var bytes = await UploadReader.ReadAsync(file, o.Value.MaxUploadBytes, ct);
        var configText = await KernelConfigUpload.ReadAsync(config, o.Value.MaxUploadBytes, o.Value.MaxDecompressedBytes, ct);
        var meta = new KernelUploadMeta(QueryCheck.Release("release", release), QueryCheck.Arch("arch", arch), Blank(flavour), Blank(distro), Labels.Parse(labels), Config: configText);
        var r = await store.IngestAsync(bytes, file!.FileName, meta, ct);
        var dto = r.Kernel.ToDto();
        return r.Created ? TypedResults.Created($"/api/kernels/{dto.Id}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<Results<Created<KernelDto>, Ok<KernelDto>, ProblemHttpResult>> UploadModuleAsync(
        long id, IFormFile? file, [FromForm] string? name, ModuleStore store, IOptions<CompatOptions> o, CancellationToken ct)
    {
        var bytes = await UploadReader.ReadAsync(file, o.Value.MaxUploadBytes, ct);
        var r = await store.AddAsync(id, bytes, Blank(name), file!.FileName, ct);
        if (r is null) return UnknownKernel(id);
        var dto = r.Kernel.ToDto();
        return r.Created ? TypedResults.Created($"/api/kernels/{dto.Id}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ConfigAsync(KernelCatalog kernels, long id, CancellationToken ct)
    {
        var (found, text) = await kernels.ConfigAsync(id, ct);
        if (!found) return UnknownKernel(id);
        return text is null
            ? Problems.NotFound("no config", $"kernel {id} came without a config: POST one (plain or gzip'd) to {ApiRoutes.KernelConfig.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture))}")
            : TypedResults.Text(text, "text/plain; charset=utf-8");
    }

    private static async Task<Results<Created<KernelDto>, Ok<KernelDto>, ProblemHttpResult>> UploadConfigAsync(
        long id, IFormFile? file, KernelStore store, IOptions<CompatOptions> o, CancellationToken ct)
    {
        if (file is null) return Problems.BadRequest("multipart field 'file' (the kernel .config, plain or gzip'd) is missing");
        var text = (await KernelConfigUpload.ReadAsync(file, o.Value.MaxUploadBytes, o.Value.MaxDecompressedBytes, ct))!;
        var r = await store.AddConfigAsync(id, text, ct);
        if (r is null) return UnknownKernel(id);
        var dto = r.Kernel.ToDto();
        return r.Created ? TypedResults.Created($"/api/kernels/{dto.Id}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<KernelDto>, ProblemHttpResult>> PatchAsync(
        long id, KernelPatchRequest? body, KernelNaming naming, CancellationToken ct)
    {
        if (body is null) return Problems.BadRequest("a JSON body with any of release, arch, flavour, distro, labels is required");
        if (body.Labels?.Keys.FirstOrDefault(k => string.IsNullOrWhiteSpace(k)) is not null)
            throw new InvalidParameterException("labels", "labels: a label name must not be empty");
        var facts = new KernelNaming.Facts(QueryCheck.Release("release", body.Release), QueryCheck.Arch("arch", body.Arch),
            Blank(body.Flavour), Blank(body.Distro), body.Labels);
        return await naming.SetAsync(id, facts, ct) is { } k ? TypedResults.Ok(k.ToDto()) : UnknownKernel(id);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(KernelCatalog kernels, long id, CancellationToken ct) =>
        await kernels.DeleteAsync(id, ct) ? TypedResults.NoContent() : UnknownKernel(id);

    private static async Task<Results<Ok<List<KernelKfuncDto>>, ProblemHttpResult>> KfuncsAsync(
        KernelCatalog kernels, long id, string? kind, CancellationToken ct)
    {
        kind = QueryCheck.OneOf("kind", kind, "func", "func", "var", "all");
        if (await kernels.SymbolsAsync(id, kind, ct) is not { } rows) return UnknownKernel(id);
        return TypedResults.Ok(rows.Select(s => s.ToDto()).ToList());
    }

    private static async Task<Results<Ok<KernelDiffDto>, ProblemHttpResult>> DiffAsync(
        KernelCatalog kernels, long id, long otherId, CancellationToken ct)
    {
        var pair = await kernels.FindManyAsync([id, otherId], ct);
        var from = pair.FirstOrDefault(k => k.Id == id);
        var to = pair.FirstOrDefault(k => k.Id == otherId);
        if (from is null) return UnknownKernel(id);
        if (to is null) return UnknownKernel(otherId);
        var a = (await kernels.SymbolsAsync(id, "func", ct) ?? []).ToDictionary(s => s.Name);
        var b = (await kernels.SymbolsAsync(otherId, "func", ct) ?? []).ToDictionary(s => s.Name);
        var added = b.Values.Where(s => !a.ContainsKey(s.Name)).OrderBy(s => s.Name).Select(s => s.ToDto()).ToList();
        var removed = a.Values.Where(s => !b.ContainsKey(s.Name)).OrderBy(s => s.Name).Select(s => s.ToDto()).ToList();
        var changed = a.Values.Where(s => b.TryGetValue(s.Name, out var t) && t.Prototype != s.Prototype).OrderBy(s => s.Name)
            .Select(s => new KfuncPrototypeChange(s.Name, s.Prototype, b[s.Name].Prototype)).ToList();
        // helpers / program / attach / map types from the kernels' own BTF enums, read from their stored surfaces (no BTF parse)
        var surface = Engine.Kernels.KernelSurfaceDiff.Of((await kernels.SurfaceAsync(from, ct)).Enums, (await kernels.SurfaceAsync(to, ct)).Enums);
        return TypedResults.Ok(new KernelDiffDto(from.ToDto(), to.ToDto(), added, removed, changed,
            surface.Helpers.ToContract(), surface.ProgramTypes.ToContract(), surface.AttachTypes.ToContract(), surface.MapTypes.ToContract()));
    }

    internal static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
