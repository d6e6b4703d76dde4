using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class KernelSurfaces : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "kernel_surfaces",
                columns: table => new
                {
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    format = table.Column<int>(type: "integer", nullable: false),
                    kernel_key = table.Column<string>(type: "text", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false),
                    computed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_surfaces", x => x.kernel_id);
                    table.ForeignKey(
                        name: "FK_kernel_surfaces_kernels_kernel_id",
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
                name: "kernel_surfaces");
        }
    }
}
