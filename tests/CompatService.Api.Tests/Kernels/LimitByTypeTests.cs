using System.Net;
using System.Text;
using CompatService.Api.Errors;
using CompatService.Api.Ingest;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Engine.Binary;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// 413 versus 422 is decided by the exception's type (<see cref="InputLimitException"/>), not by its text: a malformed
/// input whose message happens to say "the limit of" (here an ar member of that name) is malformed (422).
/// </summary>
public sealed class LimitByTypeTests(SmallLimitsFactory api) : IClassFixture<SmallLimitsFactory>
{
    /// <summary>A .deb (debian-binary first) whose second member is named "the limit of" and has a bad size field.</summary>
    internal static byte[] DebWithMemberNamedTheLimitOf()
    {
        static string Header(string name, string size) =>
            name.PadRight(16) + "0".PadRight(12) + "0".PadRight(6) + "0".PadRight(6) + "100644".PadRight(8) + size.PadRight(10) + "`\n";
        var text = "!<arch>\n" + Header("debian-binary", "4") + "2.0\n" + Header("the limit of", "xx");
        return Encoding.ASCII.GetBytes(text);
    }

    [Fact]
    public void MalformedInputNamingTheLimit_IsAFormatError_NotALimit()
    {
        var e = Assert.ThrowsAny<BpfFormatException>(() => new KernelFormReader().Read(DebWithMemberNamedTheLimitOf(), "x.deb", 1 << 20));
        Assert.IsNotType<InputLimitException>(e);
        Assert.Contains("the limit of", e.Message);
        Assert.Equal(422, ProblemHandling.StatusOf(e));
    }

    [Fact]
    public void LimitException_Is413_WhateverItsText()
    {
        Assert.Equal(413, ProblemHandling.StatusOf(new InputLimitException("too many modules", 2)));
        Assert.Equal(422, ProblemHandling.StatusOf(new BpfFormatException("bigger than the limit of nothing")));
    }

    [PgFact]
    public async Task MalformedInputNamingTheLimit_Upload_422()
    {
        var before = await api.CountsAsync();
        using var c = api.Writer();
        var r = await c.PostAsync(Contracts.ApiRoutes.Kernels, Multipart.File(DebWithMemberNamedTheLimitOf(), "x.deb"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal(before, await api.CountsAsync());
    }
}
