using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace CompatService.Api.Tests.Kernels;

/// <summary>Every refusal is a 4xx ProblemDetails with a useful message, and writes nothing (counted per table).</summary>
public sealed class BadKernelInputTests(SmallLimitsFactory api) : IClassFixture<SmallLimitsFactory>
{
    private async Task<ProblemDetails> RefusedAsync(HttpResponseMessage r, HttpStatusCode status, Dictionary<string, long> before)
    {
        Assert.Equal(status, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var p = (await r.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal((int)status, p.Status);
        Assert.False(string.IsNullOrWhiteSpace(p.Detail));
        Assert.DoesNotContain("   at ", p.Detail); // no stack trace
        Assert.Equal(before, await api.CountsAsync());
        return p;
    }

    private async Task<ProblemDetails> UploadRefusedAsync(byte[] bytes, string name, HttpStatusCode status)
    {
        var before = await api.CountsAsync();
        using var c = api.Writer();
        return await RefusedAsync(await c.PostAsync(ApiRoutes.Kernels, Multipart.File(bytes, name)), status, before);
    }

    [PgFact]
    public async Task EmptyFile_422() =>
        Assert.Contains("empty", (await UploadRefusedAsync([], "empty", HttpStatusCode.UnprocessableEntity)).Detail);

    [PgFact]
    public async Task WrongMagic_422() =>
        await UploadRefusedAsync("this is not a kernel at all"u8.ToArray(), "notes.txt", HttpStatusCode.UnprocessableEntity);

    [PgFact]
    public async Task TruncatedBtf_422()
    {
        var btf = TinyBtf.Build(["bpf_trunc"]);
        await UploadRefusedAsync(btf[..(btf.Length / 2)], "vmlinux", HttpStatusCode.UnprocessableEntity);
    }

    [PgFact]
    public async Task BitFlippedBtfHeader_422()
    {
        var btf = TinyBtf.Build(["bpf_flip"]);
        BinaryPrimitives.WriteUInt32LittleEndian(btf.AsSpan(12), BinaryPrimitives.ReadUInt32LittleEndian(btf.AsSpan(12)) ^ 0x40000000u);
        await UploadRefusedAsync(btf, "vmlinux", HttpStatusCode.UnprocessableEntity);
    }

    [PgFact]
    public async Task BitFlippedBtfType_422()
    {
        var btf = TinyBtf.Build(["bpf_flip_type"]);
        btf[24 + 4 + 3] ^= 0x1f; // kind of type [1]: INT becomes an unknown kind
        await UploadRefusedAsync(btf, "vmlinux", HttpStatusCode.UnprocessableEntity);
    }

    [PgFact]
    public async Task BpfObject_422_PointsAtObjects()
    {
        foreach (var endian in new[] { "bpfel", "bpfeb" })
        {
            var p = await UploadRefusedAsync(Files.Fixture("xdp_pass", endian), $"xdp_pass.{endian}.o", HttpStatusCode.UnprocessableEntity);
            Assert.Contains("this is a BPF object; upload it to /api/objects", p.Detail);
        }
    }

    [PgFact]
    public async Task TruncatedRawBtf_SaysItIsBtf_AndWhereItEnds()
    {
        var btf = TinyBtf.Build(["bpf_cut"]);
        var cut = btf[..(btf.Length - 7)];
        var p = await UploadRefusedAsync(cut, "vmlinux", HttpStatusCode.UnprocessableEntity);
        Assert.Contains($"the BTF header declares {btf.Length} bytes, the file has {cut.Length}", p.Detail);
        Assert.DoesNotContain("unrecognised", p.Detail);
    }

    [PgFact]
    public async Task TruncatedElf_422() =>
        await UploadRefusedAsync(Files.Fixture("xdp_pass")[..200], "vmlinux", HttpStatusCode.UnprocessableEntity);

    [PgFact]
    public async Task BitFlippedElfSectionTable_422()
    {
        var elf = Files.Fixture("xdp_pass");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(0x28), 0x7fff_0000); // e_shoff far beyond the file
        await UploadRefusedAsync(elf, "vmlinux", HttpStatusCode.UnprocessableEntity);
    }

    [PgFact]
    public async Task CorruptGzip_422()
    {
        var gz = TinyBtf.Gzip(TinyBtf.Build(["bpf_gz_corrupt"]));
        gz[gz.Length / 2] ^= 0xff;
        gz[gz.Length / 2 + 1] ^= 0xff;
        await UploadRefusedAsync(gz, "vmlinux.btf.gz", HttpStatusCode.UnprocessableEntity);
    }

    [PgFact]
    public async Task Oversize_413() =>
        Assert.Contains("limit", (await UploadRefusedAsync(new byte[100 * 1024], "big", HttpStatusCode.RequestEntityTooLarge)).Detail);

    [PgFact]
    public async Task DecompressionBomb_413()
    {
        var bomb = TinyBtf.Gzip(new byte[16 * 1024 * 1024], System.IO.Compression.CompressionLevel.SmallestSize); // 16 MiB of zeros in ~16 KiB
        Assert.True(bomb.Length < 64 * 1024);
        var p = await UploadRefusedAsync(bomb, "vmlinux.btf.gz", HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("decompression bomb", p.Detail);
    }

    [PgFact]
    public async Task MissingFileField_400()
    {
        var before = await api.CountsAsync();
        using var c = api.Writer();
        var form = new MultipartFormDataContent { { new StringContent("6.1"), "release" } };
        await RefusedAsync(await c.PostAsync(ApiRoutes.Kernels, form), HttpStatusCode.BadRequest, before);
    }

    [PgFact]
    public async Task MissingApiKey_401_WrongKey_403()
    {
        var before = await api.CountsAsync();
        using var anonymous = api.CreateClient();
        var p = await RefusedAsync(await anonymous.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_nokey"]), "v")),
            HttpStatusCode.Unauthorized, before);
        Assert.Contains(ApiRoutes.ApiKeyHeader, p.Detail);
        using var wrong = api.CreateClient();
        wrong.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, "not-the-right-key");
        await RefusedAsync(await wrong.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_nokey"]), "v")),
            HttpStatusCode.Forbidden, before);
        await RefusedAsync(await anonymous.DeleteAsync("/api/kernels/1"), HttpStatusCode.Unauthorized, before);
    }

    [PgFact]
    public async Task UnknownKernelInAgentQuery_404UnknownKernel()
    {
        var before = await api.CountsAsync();
        using var c = api.CreateClient();
        var p = await RefusedAsync(await c.GetAsync($"{ApiRoutes.AgentVerdicts}?kernel={new string('a', 64)}&object={new string('b', 64)}"),
            HttpStatusCode.NotFound, before);
        Assert.Equal("unknown kernel", p.Title);
    }

    [PgFact]
    public async Task UnknownKernelId_404()
    {
        var before = await api.CountsAsync();
        using var c = api.Writer();
        await RefusedAsync(await c.GetAsync("/api/kernels/999999"), HttpStatusCode.NotFound, before);
        await RefusedAsync(await c.DeleteAsync("/api/kernels/999999"), HttpStatusCode.NotFound, before);
        await RefusedAsync(await c.GetAsync("/api/kernels/999999/kfuncs"), HttpStatusCode.NotFound, before);
        await RefusedAsync(await c.PostAsync("/api/kernels/999999/modules", Multipart.File(TinyBtf.Build(["m"]), "m.btf")),
            HttpStatusCode.NotFound, before);
    }
}
