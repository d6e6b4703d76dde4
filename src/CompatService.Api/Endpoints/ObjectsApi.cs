namespace CompatService.Api.Endpoints;

public static class ObjectsApi
{
    public static IEndpointRouteBuilder MapObjectsApi(this IEndpointRouteBuilder app)
    {
        var (reads, writes) = app.KeyedGroups("Objects");
        writes.MapPost(ApiRoutes.Objects, UploadAsync).WithName("UploadObject").DisableAntiforgery()
            .ProducesProblem(413).ProducesProblem(422);
        writes.MapDelete(ApiRoutes.Object, DeleteAsync).WithName("DeleteObject");
        reads.MapGet(ApiRoutes.Objects, ListAsync).WithName("ListObjects");
        reads.MapGet(ApiRoutes.Object, GetAsync).WithName("GetObject");
        reads.MapGet(ApiRoutes.ObjectRequirements, RequirementsAsync).WithName("GetObjectRequirements");
        return app;
    }

    private static async Task<Ok<List<ObjectDto>>> ListAsync(ObjectCatalog objects, [FromQuery(Name = "label")] string[]? label,
        string? sha256, CancellationToken ct)
    {
        var f = new MatrixFilter(Labels.ParseQuery(label), new Dictionary<string, string>(),
            ObjectShas: QueryCheck.Sha256("sha256", sha256) is { } sha ? [sha] : null);
        return TypedResults.Ok((await objects.SelectAsync(f, ct)).Select(o => o.ToDto()).ToList());
    }

    private static async Task<Results<Ok<ObjectDto>, ProblemHttpResult>> GetAsync(ObjectCatalog objects, long id, CancellationToken ct) =>
        await objects.FindAsync(id, ct) is { } o ? TypedResults.Ok(o.ToDto()) : UnknownObject(id);

    private static async Task<Results<Ok<ObjectRequirementsDto>, ProblemHttpResult>> RequirementsAsync(
        ObjectRequirementsService requirements, long id, CancellationToken ct) =>
        await requirements.GetAsync(id, ct) is { } r ? TypedResults.Ok(r) : UnknownObject(id);

    internal static ProblemHttpResult UnknownObject(long id) => Problems.NotFound("unknown object", $"no object with id {id}");

    private static async Task<Results<Created<ObjectDto>, Ok<ObjectDto>>> UploadAsync(
        IFormFile? file, [FromForm] string? name, [FromForm] string? labels, ObjectStore store, IOptions<CompatOptions> o,
        CancellationToken ct)
    {
        var bytes = await UploadReader.ReadAsync(file, o.Value.MaxUploadBytes, ct);
        var r = await store.IngestAsync(bytes, KernelsApi.Blank(name) ?? Path.GetFileName(file!.FileName), Labels.Parse(labels), ct);
        var dto = r.Object.ToDto();
        return r.Created ? TypedResults.Created($"/api/objects/{dto.Id}", dto) : TypedResults.Ok(dto);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(ObjectCatalog objects, long id, CancellationToken ct) =>
        await objects.DeleteAsync(id, ct) ? TypedResults.NoContent() : UnknownObject(id);
}
