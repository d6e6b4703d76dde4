using CompatService.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <summary>
    /// Kernel blobs (raw BTF, 2–8 MB each) TOAST-compressed with lz4 instead of pglz (issue 13: a batch's full-kernel fetch
    /// is dominated by detoasting). Measured on a 4.96 MB corpus BTF (PostgreSQL 15, loaded machine): detoast 22–43 ms
    /// with pglz (2.15 MB stored), 5–9 ms with lz4 (2.56 MB stored). Applies to values written from now on; a server
    /// built without lz4 (or before PostgreSQL 14) keeps pglz, with a notice. No model change.
    /// </summary>
    [DbContext(typeof(CompatDbContext))]
    [Migration("20261207230500_KernelBlobsLz4")]
    public partial class KernelBlobsLz4 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
            DO $$
            BEGIN
                EXECUTE 'ALTER TABLE kernel_blobs ALTER COLUMN data SET COMPRESSION lz4';
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'kernel_blobs.data keeps its compression: %', SQLERRM;
            END $$;
            """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
            DO $$
            BEGIN
                EXECUTE 'ALTER TABLE kernel_blobs ALTER COLUMN data SET COMPRESSION default';
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'kernel_blobs.data compression unchanged: %', SQLERRM;
            END $$;
            """);
    }
}
