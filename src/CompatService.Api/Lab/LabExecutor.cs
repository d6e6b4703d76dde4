using CompatService.Lab;

namespace CompatService.Api.Lab;

/// <summary>
/// Executes one lab run: the stored image (and config) of the kernel, the selected stored objects, `LabRunner` under
/// QEMU, the comparison with the engine; every observed program becomes an observed outcome with source "lab".
/// </summary>
public sealed class LabExecutor(CompatDbContext db, IOptions<CompatOptions> options, ILogger<LabExecutor> log)
{
    public async Task ExecuteAsync(long runId, CancellationToken ct)
    {
        var run = await db.LabRuns.SingleAsync(r => r.Id == runId, ct);
        var work = Directory.CreateTempSubdirectory($"compat-lab-run{runId}-").FullName;
        try
        {
            await ExecuteAsync(run, work, ct);
        }
        catch (Exception e) when (e is LabException or Engine.Binary.BpfFormatException or IOException or InvalidOperationException)
        {
            Finish(run, LabRunStates.Failed, e.Message);
            await db.SaveChangesAsync(CancellationToken.None);
            log.LogWarning("lab run {Id} failed: {Error}", runId, e.Message);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { /* leave it */ }
        }
    }

    private async Task ExecuteAsync(LabRunEntity run, string work, CancellationToken ct)
    {
        var o = options.Value.Lab;
        var kernel = await db.Kernels.AsNoTracking().SingleAsync(k => k.Id == run.KernelId, ct);
        var image = await db.KernelImages.AsNoTracking().SingleOrDefaultAsync(i => i.KernelId == run.KernelId, ct)
                    ?? throw new LabException($"kernel {run.KernelId} has no stored image");
        var config = await db.KernelConfigs.AsNoTracking().Where(c => c.KernelId == run.KernelId).Select(c => c.Text).SingleOrDefaultAsync(ct);
        var wanted = run.ObjectsJson is null ? null : JsonSerializer.Deserialize<List<string>>(run.ObjectsJson);
        var objects = await db.Objects.AsNoTracking().Where(x => wanted == null || wanted.Contains(x.Sha256)).OrderBy(x => x.Id)
            .Select(x => new { x.Sha256, x.Name }).ToListAsync(ct);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var x in objects)
        {
            var blob = await db.ObjectBlobs.AsNoTracking().Where(b => b.Sha256 == x.Sha256).Select(b => b.Data).SingleAsync(ct);
            var file = Path.Combine(work, $"{x.Sha256[..12]}-{Path.GetFileName(x.Name)}");
            await File.WriteAllBytesAsync(file, blob, ct);
            names[Path.GetFileName(file)] = x.Name;
        }

        var lab = LabKernelImage.Open(image.Data, image.FileName ?? "image", null, config);
        if (lab.BtfSha256 != kernel.Sha256) throw new LabException($"the stored image's BTF {lab.BtfSha256[..12]} is not kernel {kernel.Sha256[..12]}");
        var labObjects = LabRunner.ReadObjects(names.Keys.Order(StringComparer.Ordinal).Select(n => Path.Combine(work, n)),
            skip: line => log.LogInformation("lab run {Id}: {Line}", run.Id, line));
        var result = await LabRunner.RunAsync(RunOptions(o, lab.Arch, image.FileName, work), lab, labObjects, ct);

        run.Accel = result.Accel;
        run.Programs = result.Programs.Count;
        if (result.Refused is not null) { Finish(run, LabRunStates.Refused, result.Refused); await db.SaveChangesAsync(ct); return; }
        var cells = LabComparison.Compare(lab, labObjects, result);
        Store(run, kernel, cells, names);
        var row = LabAgreementRow.Of(kernel.Release ?? kernel.Sha256, cells);
        (run.Cells, run.Agreed, run.Unknown, run.NotObserved) = (row.Cells, row.Agreed, row.Unknown, row.NotObserved);
        run.DisagreementsJson = JsonSerializer.Serialize(row.Disagreements);
        Finish(run, result.Aborted is null ? LabRunStates.Done : LabRunStates.Failed, result.Aborted);
        await db.SaveChangesAsync(ct);
        log.LogInformation("lab run {Id} on kernel {Kernel}: {Cells} cells, {Agreed} agreed, {Unknown} unknown ({Accel}, {Seconds:0} s)",
            run.Id, kernel.Release, row.Cells, row.Agreed, row.Unknown, result.Accel, result.Elapsed.TotalSeconds);
    }

    /// <summary>The run's bounds and the guest's tools: the agent, QEMU and busybox (or sysroot) of the image's architecture.</summary>
    public static LabRunOptions RunOptions(LabOptions o, LabArch arch, string? imageName, string work)
    {
        var arm64 = arch == LabArch.Arm64;
        var agent = (arm64 ? o.Arm64Agent : o.Agent) ?? throw new LabException(arm64
            ? "Compat:Lab:Arm64Agent (the compat-agent built for linux-arm64 by scripts/build-agent-arm64.sh) is not set: this worker cannot boot arm64 kernels"
            : "Compat:Lab:Agent (the native agent) is not set");
        if (arm64 && o.Arm64Sysroot is null)
            throw new LabException("Compat:Lab:Arm64Sysroot (the arm64 sysroot of scripts/build-agent-arm64.sh) is not set: this worker cannot boot arm64 kernels");
        return new LabRunOptions
        {
            Image = imageName ?? "image", Objects = [], Agent = agent,
            Qemu = arm64 ? o.Arm64Qemu : o.Qemu, Busybox = arm64 ? null : o.Busybox, Sysroot = arm64 ? o.Arm64Sysroot : null,
            Accel = o.Accel, BootTimeout = TimeSpan.FromSeconds(o.BootTimeoutSeconds),
            ProgramTimeout = TimeSpan.FromSeconds(o.ProgramTimeoutSeconds), WorkDirectory = Path.Combine(work, "vm"),
        };
    }

    private void Store(LabRunEntity run, KernelEntity kernel, IReadOnlyList<LabCell> cells, Dictionary<string, string> names)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var c in cells.Where(c => c.Observed.Loaded is not null))
            db.ObservedOutcomes.Add(new ObservedOutcomeEntity
            {
                Host = $"lab:{run.Accel}", KernelId = kernel.Id, KernelBtfSha256 = kernel.Sha256, KernelRelease = kernel.Release,
                ObjectSha256 = c.ObjectSha256, ObjectName = names.GetValueOrDefault(c.Object, c.Object), Program = c.Program,
                Predicted = c.Predicted switch { Verdict.Loads => "loads", Verdict.Fails => "fails", _ => "unknown" },
                Loaded = c.Observed.Loaded!.Value, Errno = c.Observed.Errno,
                VerifierTail = c.Observed.VerifierTail is { Length: > 8192 } t ? t[^8192..] : c.Observed.VerifierTail,
                ObservedAt = now, ReceivedAt = now, Source = ObservedSources.Lab, LabRunId = run.Id,
            });
    }

    private static void Finish(LabRunEntity run, string state, string? error)
    {
        run.State = state;
        run.Error = error;
        run.FinishedAt = DateTimeOffset.UtcNow;
        run.LockedUntil = null;
    }
}
