using CompatService.Data;
using CompatService.Data.Entities;

namespace CompatService.Api.Tests.Storage;

/// <summary>Raw SQL takes its names from the EF model (KernelBlobReader): the names are the migrations' snake_case ones.</summary>
public sealed class StoreNamesTests
{
    private static CompatDbContext Context() => new(CompatDb.Options("Host=127.0.0.1;Database=none")); // the model only: never connects

    [Fact]
    public void TablesAndColumns_AreTheStoreNames()
    {
        using var db = Context();
        Assert.Equal("kernel_blobs", db.Model.Table<KernelBlobEntity>());
        Assert.Equal("kernel_modules", db.Model.Table<KernelModuleEntity>());
        Assert.Equal("blob_sha256", db.Model.Column<KernelModuleEntity>(nameof(KernelModuleEntity.BlobSha256)));
        Assert.Equal("kernel_id", db.Model.Column<KernelConfigEntity>(nameof(KernelConfigEntity.KernelId)));
        Assert.Equal("sha256", db.Model.Column<KernelBlobEntity>(nameof(BlobEntity.Sha256)));
    }

    [Fact]
    public void AnUnmappedName_IsRefusedByName()
    {
        using var db = Context();
        var e = Assert.Throws<InvalidOperationException>(() => db.Model.Column<KernelModuleEntity>("Nope"));
        Assert.Contains("KernelModuleEntity has no mapped property Nope", e.Message);
        Assert.Throws<InvalidOperationException>(() => db.Model.Table<string>());
    }
}
