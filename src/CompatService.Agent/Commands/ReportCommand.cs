using CompatService.Contracts;

namespace CompatService.Agent.Commands;

/// <summary>`report`: upload this host's kernel (vmlinux BTF with its config, then each module BTF) to the service.</summary>
public static class ReportCommand
{
    public static async Task<int> RunAsync(AgentApp app, AgentArgs args, CancellationToken ct)
    {
        var session = app.Host(args.HostRoot);
        var kernel = await UploadKernelAsync(app.Service(args), session.Host, ct);
        app.Out.WriteLine($"kernel {kernel.Id}: {kernel.Release ?? "(no release)"} btf {kernel.Sha256} ({kernel.KfuncCount} kfuncs, {kernel.Modules.Count} modules)");
        return AgentApp.Ok;
    }

    public static async Task<KernelDto> UploadKernelAsync(ServiceClient service, HostKernels.HostKernel host, CancellationToken ct)
    {
        var kernel = await service.UploadKernelAsync(host.VmlinuxBtf, host.Release, host.Arch, host.ConfigText, ct);
        foreach (var (name, btf) in host.Modules)
            kernel = await service.UploadModuleAsync(kernel.Id, name, btf, ct);
        return kernel;
    }
}
