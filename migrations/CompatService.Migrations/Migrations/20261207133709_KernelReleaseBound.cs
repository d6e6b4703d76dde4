using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class KernelReleaseBound : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "release_bound",
                table: "kernels",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "release_bound",
                table: "kernels");
        }
    }
}
