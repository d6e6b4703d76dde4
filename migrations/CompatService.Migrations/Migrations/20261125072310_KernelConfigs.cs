using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class KernelConfigs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "config",
                table: "kernels");

            migrationBuilder.AddColumn<bool>(
                name: "has_config",
                table: "kernels",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "kernel_configs",
                columns: table => new
                {
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false)
                        .Annotation("Npgsql:Compression:", "lz4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_configs", x => x.kernel_id);
                    table.ForeignKey(
                        name: "FK_kernel_configs_kernels_kernel_id",
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
                name: "kernel_configs");

            migrationBuilder.DropColumn(
                name: "has_config",
                table: "kernels");

            migrationBuilder.AddColumn<string>(
                name: "config",
                table: "kernels",
                type: "text",
                nullable: true);
        }
    }
}
