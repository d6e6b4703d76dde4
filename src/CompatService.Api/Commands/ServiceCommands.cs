using System.CommandLine;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CompatService.Api.Commands;

/// <summary>
/// The service's own commands, declared with System.CommandLine (help, validation, `--version`, completion):
/// `migrate` applies the EF migrations, `import PATH` stores kernels. Without a command the process serves, and its
/// options are ASP.NET Core's configuration (`--urls`, `--Compat:Budget:Steps=...`), read by the host, not here.
/// </summary>
public static class ServiceCommands
{
    public const string Description = "CompatService — the API, the dashboard and the matrix workers. Without a command it serves " +
        "(options: ASP.NET Core configuration such as --urls http://0.0.0.0:8080; ConnectionStrings__Compat names the database).\n\n" +
        "Exit codes: 0 done, 1 some kernels failed to import, 2 bad usage or configuration, 3 the database is unavailable.";

    /// <summary>True when argv names a command (or asks for help / version / completion) rather than host options to serve with.</summary>
    public static bool Handles(string[] args) => args is [var first, ..]
        && (first is "-h" or "--help" or "-?" or "--version" || (!first.StartsWith('-') && !first.Contains('=')));

    public static RootCommand Root()
    {
        var root = new RootCommand(Description);
        var migrate = new Command("migrate", "Apply pending EF Core migrations to the database, then exit (the server never migrates by itself)");
        var surfaces = new Option<bool>("--surfaces")
        {
            Description = "Also compute the compact surface of every kernel that lacks a current one (kernels stored before surfaces existed, or made by SQL like scripts/fleet.sh); otherwise each is built on first use",
        };
        migrate.Options.Add(surfaces);
        migrate.SetAction((parse, ct) => WithHost("migrate", services => MigrateCommand.RunAsync(services, parse.GetValue(surfaces))));
        root.Subcommands.Add(migrate);

        var path = new Argument<string>("PATH")
        {
            Description = "A corpus-style directory of kernel directories (vmlinux.btf.gz, modules/*.btf.gz, config.gz, kfuncs-btf_ids.txt, " +
                "info.json), a directory of kernel files in any uploadable form, one file, or /sys/kernel/btf/vmlinux (the running kernel)",
        };
        var label = new Option<string[]>("--label") { Description = "A label k=v for every imported kernel (repeatable)", HelpName = "k=v" };
        label.Validators.Add(r =>
        {
            foreach (var t in r.Tokens.Where(t => !t.Value.Contains('=') || t.Value.StartsWith('='))) r.AddError($"--label needs k=v, not '{t.Value}'");
        });
        var release = Text("--release", "R", "The release when the input does not say (e.g. raw BTF)");
        var arch = Text("--arch", "A", "The architecture when the input does not say");
        var distro = Text("--distro", "D", "The distribution when the input does not say");
        var flavour = Text("--flavour", "F", "The flavour (generic, cloud, rt, ...) when the input does not say");
        var import = new Command("import", "Store kernels (BTF, module BTFs, config, kfunc flags, kallsyms) as uploads do, with progress on a terminal")
        {
            path, label, release, arch, distro, flavour,
        };
        import.SetAction((parse, ct) => WithHost("import", services => ImportCommand.RunAsync(services, new ImportCommand.Request(
            parse.GetValue(path)!, Labels.ParseQuery(parse.GetValue(label) ?? []),
            parse.GetValue(release), parse.GetValue(arch), parse.GetValue(distro), parse.GetValue(flavour)), ct)));
        root.Subcommands.Add(import);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Root().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) Console.Error.WriteLine($"CompatService: {e.Message}");
            Console.Error.WriteLine("(see CompatService.Api --help, or CompatService.Api COMMAND --help)");
            return 2;
        }
        return await parse.InvokeAsync();
    }

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    /// <summary>A host without workers for one command: configuration, logging and the database as the server has them.</summary>
    private static async Task<int> WithHost(string name, Func<IServiceProvider, Task<int>> command)
    {
        var builder = WebApplication.CreateBuilder();
        if (!builder.Environment.IsDevelopment()) builder.Logging.AddJsonConsole();
        builder.AddCompatService();
        builder.Services.RemoveAll<IHostedService>(); // commands run no workers
        // EF logs its probe of a not-yet-existing history table as a failed command on a fresh database: not an error
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        await using var app = builder.Build();
        if (!HasDatabase(app.Configuration, name)) return 2;
        try
        {
            return await command(app.Services);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            Console.Error.WriteLine($"{name}: the database is unavailable: {e.Message}");
            return 3;
        }
    }

    /// <summary>Every face needs the database: without it, one line naming the setting and false (not a 500 per request).</summary>
    public static bool HasDatabase(IConfiguration configuration, string face)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(Data.CompatDb.ConnectionStringName))) return true;
        Console.Error.WriteLine($"{face}: ConnectionStrings:Compat is not set (env ConnectionStrings__Compat=\"Host=...;Database=...;Username=...\"); " +
            "scripts/run.sh starts a private PostgreSQL");
        return false;
    }
}
