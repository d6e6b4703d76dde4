using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace CompatService.Api.Tests.Objects;

public sealed class ObjectUploadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [PgFact]
    public async Task Fixture_Created_WithProgramsAndRequirements_ThenOk()
    {
        var bytes = Files.Fixture("kfunc_weak_missing_guarded");
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Objects, Multipart.File(bytes, "guarded.o", ("labels", "repo=demo,commit=abc")));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var o = (await r.Content.ReadFromJsonAsync<ObjectDto>())!;
        Assert.Equal(Files.Sha(bytes), o.Sha256);
        Assert.Equal("guarded.o", o.Name);
        Assert.Equal("demo", o.Labels["repo"]);
        var p = Assert.Single(o.Programs);
        var weak = Assert.Single(p.Kfuncs, k => k.Name == "bpf_compat_missing_weak");
        Assert.True(weak.Weak);
        Assert.NotEmpty(weak.ExistenceChecks);

        var again = await c.PostAsync(ApiRoutes.Objects, Multipart.File(bytes, "other-name.o"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(o.Id, (await again.Content.ReadFromJsonAsync<ObjectDto>())!.Id);

        var got = (await c.GetFromJsonAsync<ObjectDto>($"/api/objects/{o.Id}"))!;
        Assert.Equal(o.Programs.Select(x => x.Name), got.Programs.Select(x => x.Name));
        var list = (await c.GetFromJsonAsync<List<ObjectDto>>($"{ApiRoutes.Objects}?label=repo=demo"))!;
        Assert.Contains(list, x => x.Id == o.Id);
    }

    [PgFact]
    public async Task Delete_RemovesObjectBlobProgramsAndCells()
    {
        var bytes = Files.Fixture("socket_filter_map");
        using var c = api.Writer();
        var o = (await (await c.PostAsync(ApiRoutes.Objects, Multipart.File(bytes, "s.o"))).Content.ReadFromJsonAsync<ObjectDto>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/objects/{o.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"/api/objects/{o.Id}")).StatusCode);
        await using var db = api.NewDb();
        Assert.False(db.ObjectBlobs.Any(b => b.Sha256 == o.Sha256));
        Assert.False(db.ObjectPrograms.Any(p => p.ObjectId == o.Id));
    }

    public static TheoryData<string> BadObjects() => ["empty", "wrong-magic", "truncated", "flipped-shoff", "btf-kernel"];

    [Theory]
    [MemberData(nameof(BadObjects))]
    public async Task BadObject_422_NothingWritten(string kind)
    {
        if (PostgresServer.FindBin() is null) return;
        var good = Files.Fixture("xdp_pass");
        var bytes = kind switch
        {
            "empty" => [],
            "wrong-magic" => "\x7fELG not an object"u8.ToArray(),
            "truncated" => good[..(good.Length / 3)],
            "flipped-shoff" => Flip(good),
            _ => TinyBtf.Build(["x"]),
        };
        var before = await api.CountsAsync();
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Objects, Multipart.File(bytes, kind + ".o"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var p = (await r.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.False(string.IsNullOrWhiteSpace(p.Detail));
        Assert.Equal(before, await api.CountsAsync());
    }

    private static byte[] Flip(byte[] good)
    {
        var b = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x28), 0x7fff_0000);
        return b;
    }
}
