namespace CompatService.Api.OpenApi;

/// <summary>What Swagger says about each operation (by endpoint name): summary, description, and its documented refusals.</summary>
public sealed record OperationDoc(string Summary, string Description, params int[] Problems);

/// <summary>
/// One table for every operation, so the UI is complete and a new endpoint without an entry fails
/// <c>SwaggerDocumentTests</c>. Every operation also documents 400 (bad parameters) and 503 (database unavailable);
/// writes document 401 / 403.
/// </summary>
public static class OperationDocs
{
    public static readonly IReadOnlyDictionary<string, OperationDoc> ByName = new Dictionary<string, OperationDoc>(StringComparer.Ordinal)
    {
        ["Health"] = new("Liveness and database reachability",
            "200 with the engine version when the database answers; 503 when it does not."),
        ["ListKernels"] = new("List stored kernels",
            "Filters: label=k=v (repeatable, all must match), release (6.12 = every 6.12.x; a full release matches exactly), arch, minRelease / maxRelease (inclusive, by number)."),
        ["GetKernel"] = new("One kernel", "Release, arch, distro, flavour, labels, BTF sha256, modules and counts.", 404),
        ["PatchKernel"] = new("Name a kernel (set release / arch / distro / flavour / labels)",
            "JSON body with any of release, arch, distro, flavour, labels (merged; a null value removes a label). Needs the write key. Cells are recomputed when the release changes.",
            400, 404),
        ["UploadKernel"] = new("Upload a kernel",
            "multipart/form-data: file = raw or gzip'd BTF (/sys/kernel/btf/vmlinux), vmlinux ELF, bzImage / Image[.gz], or a Debian linux-image .deb; optional release, arch, flavour, distro, labels (k=v,k2=v2 or a JSON object), config (the .config). 201 when new, 200 when the same kernel (by BTF sha256) was already stored: its missing fields are filled and labels merged. A BPF object is refused (422): upload it to /api/objects.",
            413, 422),
        ["UploadKernelModule"] = new("Add a module's split BTF to a kernel",
            "multipart/form-data: file = /sys/kernel/btf/<module> (raw split BTF) or the .ko; optional name.", 404, 413, 422),
        ["GetKernelConfig"] = new("The kernel's .config", "text/plain; 404 when the kernel came without one.", 404),
        ["UploadKernelConfig"] = new("Attach a .config to a kernel",
            "multipart/form-data: file = the .config, plain or gzip'd (/proc/config.gz). 201 attached, 200 the same one again, 409 a different one is stored.",
            404, 409, 413, 422),
        ["DeleteKernel"] = new("Delete a kernel", "With its modules, symbols, config and matrix cells.", 404),
        ["GetKernelKfuncs"] = new("A kernel's kfunc inventory", "kind=func (default), var or all.", 404),
        ["DiffKernels"] = new("Kfuncs added, removed and changed between two kernels", "Prototypes compared as text.", 404),
        ["ListObjects"] = new("List stored BPF objects", "Filters: label=k=v (repeatable), sha256."),
        ["GetObject"] = new("One BPF object", "Programs with their kfunc / ksym / kconfig requirements.", 404),
        ["GetObjectRequirements"] = new("What each program needs, and its minimum kernel",
            "Per program: program/attach type, helpers (name and id), map types, kfuncs and ksyms (weak or not, guarded or not), ISA level; " +
            "and per kernel stream of the stored kernels, the oldest kernel where it loads and why it fails on the one before.", 404),
        ["UploadObject"] = new("Upload a BPF object",
            "multipart/form-data: file = a clang-compiled BPF ELF (either byte order); optional name and labels. 201 when new, 200 when the same bytes were stored.",
            413, 422),
        ["DeleteObject"] = new("Delete a BPF object", "With its programs and matrix cells.", 404),
        ["GetDisassembly"] = new("A program's instructions",
            "The engine's disassembly; with kernel=id the program is relocated for that kernel and the fixups are marked.", 404),
        ["GetMatrix"] = new("Verdicts of every program on every kernel",
            "format=json (default), csv or markdown; objectLabel / kernelLabel=k=v (repeatable), arch, release, minRelease, maxRelease, object=sha256 (repeatable), kernel=id (repeatable); paging for large fleets: kernelOffset / kernelLimit (columns, by kernel id) and objectOffset / objectLimit (rows, by object id), the totals in the X-Total-Kernels / X-Total-Objects headers."),
        ["GetKfunc"] = new("One kfunc across every stored kernel", "Where it exists, its prototype per kernel and where it changed."),
        ["CiCheck"] = new("CI gate: check an object against the selected kernels",
            "multipart/form-data: file = the object (or sha256 of a stored one); optional labels, release, minRelease, maxRelease, arch, strict. ?format=json|junit|markdown. ok is false when a program fails (or is unknown, with strict).",
            404, 413, 422),
        ["AgentVerdicts"] = new("Verdicts for an agent",
            "kernel = sha256 of the host's raw vmlinux BTF, object = sha256 (repeatable). 404 'unknown kernel' tells the agent to upload its BTF.", 404),
        ["AgentReport"] = new("Report what really happened when loading", "JSON AgentReport: per program observed outcome and verifier log excerpt.", 404),
        ["ListAgentReports"] = new("Observed outcomes reported by agents",
            "Filters: kernel, object (sha256), host, source=agent|lab, disagrees=true|false, limit 1..5000 (default 200)."),
        ["QueueLabRun"] = new("Queue a kernel lab run (boot the kernel's image under QEMU, load for real)",
            "JSON body {\"objects\": [sha256, ...]} (omitted or empty: every stored object). 202 with the queued run; a lab worker (Compat:Lab:Enabled) boots the kernel's stored image, loads each program alone, and stores the outcomes as observed outcomes with source 'lab'. 409 when the kernel was not uploaded as a bzImage/vmlinuz, an arm64 Image(.gz) or a Debian package (no image to boot); an arm64 image needs a worker with Compat:Lab:Arm64Agent and Compat:Lab:Arm64Sysroot; 422 for unknown objects.",
            404, 409, 422),
        ["ListLabRuns"] = new("A kernel's lab runs, newest first",
            "State (queued, running, done, failed, refused), accel (kvm/tcg), cells compared, agreed, unknown, not observed, disagreements by class and reason code.", 404),
        ["LabAgreement"] = new("Lab agreement per kernel",
            "Per kernel, its latest finished lab run: cells compared (observed programs), agreed (observed == predicted), unknown, disagreements by class (false-loads, false-fails, unknown) and reason code."),
    };

    /// <summary>Example values of upload form fields (shown in the Swagger UI's try-it-out forms).</summary>
    public static readonly IReadOnlyDictionary<string, (string Description, string Example)> FormFields = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["release"] = ("kernel release (overrides what the input says)", "6.1.0-47-amd64"),
        ["arch"] = ("Debian architecture name", "amd64"),
        ["flavour"] = ("kernel flavour", "cloud-amd64"),
        ["distro"] = ("distribution", "debian"),
        ["labels"] = ("labels as k=v,k2=v2 or a JSON object", "fleet=edge,team=net"),
        ["name"] = ("display name", "xdp_pass.bpf.o"),
        ["sha256"] = ("sha256 of a stored object (instead of file)", "a171b320ab5e0c2a5f8e0c7b2f0b9d6e8c1e4a7b3d2f1e0a9b8c7d6e5f4a3b2c"),
        ["minRelease"] = ("lowest release, inclusive (6.12 = from 6.12.0)", "6.1"),
        ["maxRelease"] = ("highest release, inclusive (6.12 = every 6.12.x)", "6.12"),
        ["strict"] = ("unknown verdicts fail the gate too", "false"),
    };
}
