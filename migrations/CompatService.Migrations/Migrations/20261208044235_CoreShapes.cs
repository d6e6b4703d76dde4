using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class CoreShapes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "core_slices",
                columns: table => new
                {
                    hash = table.Column<string>(type: "text", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_core_slices", x => x.hash);
                });

            migrationBuilder.CreateTable(
                name: "kernel_core_shapes",
                columns: table => new
                {
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    root = table.Column<string>(type: "text", nullable: false),
                    format = table.Column<int>(type: "integer", nullable: false),
                    kernel_key = table.Column<string>(type: "text", nullable: false),
                    slice_hash = table.Column<string>(type: "text", nullable: true),
                    kernel_ids = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_core_shapes", x => new { x.kernel_id, x.root });
                    table.ForeignKey(
                        name: "FK_kernel_core_shapes_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "core_slices");

            migrationBuilder.DropTable(
                name: "kernel_core_shapes");
        }
    }
}
