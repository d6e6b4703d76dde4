using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class MatrixWork : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "results",
                table: "matrix_cells",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb")
                .Annotation("Npgsql:Compression:", "lz4");

            migrationBuilder.CreateTable(
                name: "matrix_work",
                columns: table => new
                {
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    generation = table.Column<long>(type: "bigint", nullable: false),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    locked_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_matrix_work", x => x.kernel_id);
                    table.ForeignKey(
                        name: "FK_matrix_work_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_matrix_work_requested_at",
                table: "matrix_work",
                column: "requested_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "matrix_work");

            migrationBuilder.AlterColumn<string>(
                name: "results",
                table: "matrix_cells",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb")
                .OldAnnotation("Npgsql:Compression:", "lz4");
        }
    }
}
