using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class KernelLab : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "lab_run_id",
                table: "observed_outcomes",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source",
                table: "observed_outcomes",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "agent");

            migrationBuilder.CreateTable(
                name: "kernel_images",
                columns: table => new
                {
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    form = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    file_name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                        .Annotation("Npgsql:Compression:", "lz4"),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_images", x => x.kernel_id);
                    table.ForeignKey(
                        name: "FK_kernel_images_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "lab_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    objects_json = table.Column<string>(type: "jsonb", nullable: true),
                    accel = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    programs = table.Column<int>(type: "integer", nullable: false),
                    cells = table.Column<int>(type: "integer", nullable: false),
                    agreed = table.Column<int>(type: "integer", nullable: false),
                    unknown = table.Column<int>(type: "integer", nullable: false),
                    not_observed = table.Column<int>(type: "integer", nullable: false),
                    disagreements_json = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lab_runs", x => x.id);
                    table.ForeignKey(
                        name: "FK_lab_runs_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_observed_outcomes_lab_run_id",
                table: "observed_outcomes",
                column: "lab_run_id");

            migrationBuilder.CreateIndex(
                name: "IX_lab_runs_kernel_id_id",
                table: "lab_runs",
                columns: new[] { "kernel_id", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_lab_runs_state",
                table: "lab_runs",
                column: "state");

            migrationBuilder.AddForeignKey(
                name: "FK_observed_outcomes_lab_runs_lab_run_id",
                table: "observed_outcomes",
                column: "lab_run_id",
                principalTable: "lab_runs",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_observed_outcomes_lab_runs_lab_run_id",
                table: "observed_outcomes");

            migrationBuilder.DropTable(
                name: "kernel_images");

            migrationBuilder.DropTable(
                name: "lab_runs");

            migrationBuilder.DropIndex(
                name: "IX_observed_outcomes_lab_run_id",
                table: "observed_outcomes");

            migrationBuilder.DropColumn(
                name: "lab_run_id",
                table: "observed_outcomes");

            migrationBuilder.DropColumn(
                name: "source",
                table: "observed_outcomes");
        }
    }
}
