using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CompatService.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "jobs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_jobs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "kernel_blobs",
                columns: table => new
                {
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                        .Annotation("Npgsql:Compression:", "lz4"),
                    size = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_blobs", x => x.sha256);
                });

            migrationBuilder.CreateTable(
                name: "object_blobs",
                columns: table => new
                {
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false)
                        .Annotation("Npgsql:Compression:", "lz4"),
                    size = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_object_blobs", x => x.sha256);
                });

            migrationBuilder.CreateTable(
                name: "kernels",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    release = table.Column<string>(type: "text", nullable: true),
                    arch = table.Column<string>(type: "text", nullable: true),
                    flavour = table.Column<string>(type: "text", nullable: true),
                    distro = table.Column<string>(type: "text", nullable: true),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    source = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    upload_sha256 = table.Column<string>(type: "text", nullable: true),
                    upload_size = table.Column<long>(type: "bigint", nullable: false),
                    config = table.Column<string>(type: "text", nullable: true),
                    kfunc_flags = table.Column<string>(type: "jsonb", nullable: true),
                    type_count = table.Column<int>(type: "integer", nullable: false),
                    function_count = table.Column<int>(type: "integer", nullable: false),
                    kfunc_count = table.Column<int>(type: "integer", nullable: false),
                    has_kfunc_tags = table.Column<bool>(type: "boolean", nullable: false),
                    has_kfunc_flags = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernels", x => x.id);
                    table.ForeignKey(
                        name: "FK_kernels_kernel_blobs_sha256",
                        column: x => x.sha256,
                        principalTable: "kernel_blobs",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "objects",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    license = table.Column<string>(type: "text", nullable: true),
                    gpl_compatible = table.Column<bool>(type: "boolean", nullable: false),
                    has_btf = table.Column<bool>(type: "boolean", nullable: false),
                    open_errors = table.Column<string>(type: "jsonb", nullable: false),
                    maps = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_objects", x => x.id);
                    table.ForeignKey(
                        name: "FK_objects_object_blobs_sha256",
                        column: x => x.sha256,
                        principalTable: "object_blobs",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "kernel_modules",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    blob_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    ordinal = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_modules", x => x.id);
                    table.ForeignKey(
                        name: "FK_kernel_modules_kernel_blobs_blob_sha256",
                        column: x => x.blob_sha256,
                        principalTable: "kernel_blobs",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_kernel_modules_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "kernel_symbols",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    kind = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    btf_id = table.Column<long>(type: "bigint", nullable: false),
                    module = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    prototype = table.Column<string>(type: "text", nullable: false),
                    tagged = table.Column<bool>(type: "boolean", nullable: false),
                    flags = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_kernel_symbols", x => x.id);
                    table.ForeignKey(
                        name: "FK_kernel_symbols_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "observed_outcomes",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    host = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    kernel_id = table.Column<long>(type: "bigint", nullable: true),
                    kernel_btf_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kernel_release = table.Column<string>(type: "text", nullable: true),
                    object_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    object_name = table.Column<string>(type: "text", nullable: true),
                    program = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    predicted = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    loaded = table.Column<bool>(type: "boolean", nullable: false),
                    errno = table.Column<int>(type: "integer", nullable: true),
                    verifier_tail = table.Column<string>(type: "text", nullable: true),
                    observed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_observed_outcomes", x => x.id);
                    table.ForeignKey(
                        name: "FK_observed_outcomes_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "matrix_cells",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    object_id = table.Column<long>(type: "bigint", nullable: false),
                    kernel_id = table.Column<long>(type: "bigint", nullable: false),
                    object_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    kernel_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    engine_version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    verdict = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    results = table.Column<string>(type: "jsonb", nullable: false),
                    reason_codes = table.Column<string>(type: "jsonb", nullable: false),
                    disabled_path_count = table.Column<int>(type: "integer", nullable: false),
                    computed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_matrix_cells", x => x.id);
                    table.ForeignKey(
                        name: "FK_matrix_cells_kernels_kernel_id",
                        column: x => x.kernel_id,
                        principalTable: "kernels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_matrix_cells_objects_object_id",
                        column: x => x.object_id,
                        principalTable: "objects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "object_programs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    object_id = table.Column<long>(type: "bigint", nullable: false),
                    ordinal = table.Column<int>(type: "integer", nullable: false),
                    name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    section = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    attach_type = table.Column<string>(type: "text", nullable: true),
                    attach_target = table.Column<string>(type: "text", nullable: true),
                    auto_load = table.Column<bool>(type: "boolean", nullable: false),
                    insns = table.Column<int>(type: "integer", nullable: false),
                    helpers = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_object_programs", x => x.id);
                    table.ForeignKey(
                        name: "FK_object_programs_objects_object_id",
                        column: x => x.object_id,
                        principalTable: "objects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "program_requirements",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    program_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    weak = table.Column<bool>(type: "boolean", nullable: false),
                    guarded = table.Column<bool>(type: "boolean", nullable: false),
                    typed = table.Column<bool>(type: "boolean", nullable: false),
                    insns = table.Column<int[]>(type: "integer[]", nullable: false),
                    existence_checks = table.Column<int[]>(type: "integer[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_program_requirements", x => x.id);
                    table.ForeignKey(
                        name: "FK_program_requirements_object_programs_program_id",
                        column: x => x.program_id,
                        principalTable: "object_programs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_jobs_state_id",
                table: "jobs",
                columns: new[] { "state", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_kernel_modules_blob_sha256",
                table: "kernel_modules",
                column: "blob_sha256");

            migrationBuilder.CreateIndex(
                name: "IX_kernel_modules_kernel_id_name",
                table: "kernel_modules",
                columns: new[] { "kernel_id", "name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_kernel_symbols_kernel_id_kind_name",
                table: "kernel_symbols",
                columns: new[] { "kernel_id", "kind", "name" });

            migrationBuilder.CreateIndex(
                name: "IX_kernel_symbols_name_kernel_id",
                table: "kernel_symbols",
                columns: new[] { "name", "kernel_id" });

            migrationBuilder.CreateIndex(
                name: "IX_kernels_arch_release",
                table: "kernels",
                columns: new[] { "arch", "release" });

            migrationBuilder.CreateIndex(
                name: "IX_kernels_labels",
                table: "kernels",
                column: "labels")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_kernels_sha256",
                table: "kernels",
                column: "sha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_matrix_cells_kernel_id_engine_version",
                table: "matrix_cells",
                columns: new[] { "kernel_id", "engine_version" });

            migrationBuilder.CreateIndex(
                name: "IX_matrix_cells_object_id_engine_version",
                table: "matrix_cells",
                columns: new[] { "object_id", "engine_version" });

            migrationBuilder.CreateIndex(
                name: "IX_matrix_cells_object_sha256_kernel_sha256_engine_version",
                table: "matrix_cells",
                columns: new[] { "object_sha256", "kernel_sha256", "engine_version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_object_programs_object_id_ordinal",
                table: "object_programs",
                columns: new[] { "object_id", "ordinal" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_objects_labels",
                table: "objects",
                column: "labels")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_objects_sha256",
                table: "objects",
                column: "sha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_observed_outcomes_kernel_btf_sha256_object_sha256",
                table: "observed_outcomes",
                columns: new[] { "kernel_btf_sha256", "object_sha256" });

            migrationBuilder.CreateIndex(
                name: "IX_observed_outcomes_kernel_id",
                table: "observed_outcomes",
                column: "kernel_id");

            migrationBuilder.CreateIndex(
                name: "IX_observed_outcomes_observed_at",
                table: "observed_outcomes",
                column: "observed_at");

            migrationBuilder.CreateIndex(
                name: "IX_program_requirements_kind_name",
                table: "program_requirements",
                columns: new[] { "kind", "name" });

            migrationBuilder.CreateIndex(
                name: "IX_program_requirements_program_id",
                table: "program_requirements",
                column: "program_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "jobs");

            migrationBuilder.DropTable(
                name: "kernel_modules");

            migrationBuilder.DropTable(
                name: "kernel_symbols");

            migrationBuilder.DropTable(
                name: "matrix_cells");

            migrationBuilder.DropTable(
                name: "observed_outcomes");

            migrationBuilder.DropTable(
                name: "program_requirements");

            migrationBuilder.DropTable(
                name: "kernels");

            migrationBuilder.DropTable(
                name: "object_programs");

            migrationBuilder.DropTable(
                name: "kernel_blobs");

            migrationBuilder.DropTable(
                name: "objects");

            migrationBuilder.DropTable(
                name: "object_blobs");
        }
    }
}
