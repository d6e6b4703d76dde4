using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class KernelKallsyms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "kallsyms_sha256",
                table: "kernels",
                type: "character(64)",
                fixedLength: true,
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "kallsyms_sha256",
                table: "kernels");
        }
    }
}
