using CompatService.Api.OpenApi;
using Microsoft.AspNetCore.Http.Features;

namespace CompatService.Api;

public static class ServiceRegistration
{
    public static WebApplicationBuilder AddCompatService(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CompatOptions>().Bind(builder.Configuration.GetSection(CompatOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        var compat = builder.Configuration.GetSection(CompatOptions.Section).Get<CompatOptions>() ?? new CompatOptions();
        var bodyLimit = compat.MaxUploadBytes + (1 << 20); // multipart framing on top of the file itself
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = bodyLimit);
        services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = bodyLimit);

        services.AddDbContextPool<CompatDbContext>((sp, o) =>
        {
            var cs = sp.GetRequiredService<IConfiguration>().GetConnectionString(CompatDb.ConnectionStringName);
            if (string.IsNullOrWhiteSpace(cs))
                throw new InvalidOperationException("ConnectionStrings:Compat is not set (env ConnectionStrings__Compat)");
            CompatDb.Configure(o, cs);
        });
        services.AddCompatProblems();
        services.AddCompatOpenApi();

        services.AddSingleton<EngineCache>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<JobSignal>();
        services.AddSingleton<WorkerDb>();
        services.AddSingleton<IKernelInputReader, KernelFormReader>();
        services.AddScoped<KernelStore>();
        services.AddScoped<KernelNaming>();
        services.AddScoped<ModuleStore>();
        services.AddScoped<ObjectStore>();
        services.AddScoped<CellComputer>();
        services.AddScoped<MatrixService>();
        services.AddScoped<Catalog.KernelCatalog>();
        services.AddScoped<Catalog.ObjectCatalog>();
        services.AddScoped<Catalog.ObservedOutcomes>();
        services.AddScoped<Catalog.StoreHealth>();
        services.AddScoped<Lab.LabRuns>();
        services.AddScoped<ObjectRequirementsService>();
        for (var i = 0; i < compat.Workers; i++)
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<MatrixWorker>(sp));
        services.AddSingleton<Lab.LabSignal>();
        services.AddScoped<Lab.LabExecutor>();
        if (compat.Lab.Enabled)
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<Lab.LabWorker>(sp));
        services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder;
    }
}
