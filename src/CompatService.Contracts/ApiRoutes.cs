namespace CompatService.Contracts;

/// <summary>REST routes the service serves and its clients (agent, dashboard, `compat ci`) call. Extend, never rename.</summary>
public static class ApiRoutes
{
    public const string Health = "/health";
    public const string Kernels = "/api/kernels";                       // GET list (?label=k=v&release=&arch=), POST multipart file (+release, arch, labels)
    public const string Kernel = "/api/kernels/{id}";                   // GET one, PATCH (name it), DELETE
    public const string KernelKfuncs = "/api/kernels/{id}/kfuncs";      // GET inventory
    public const string KernelModules = "/api/kernels/{id}/modules";    // POST multipart file (+name): module BTF on top of this kernel
    public const string KernelConfig = "/api/kernels/{id}/config";      // GET the .config text; POST multipart file: attach one
    public const string KernelDiff = "/api/kernels/{id}/diff/{otherId}"; // GET added / removed / changed kfuncs
    public const string Objects = "/api/objects";                       // GET list, POST multipart file (+name, labels)
    public const string Object = "/api/objects/{id}";                   // GET with programs and requirements, DELETE
    public const string ObjectRequirements = "/api/objects/{id}/requirements"; // GET per program: requirements + minimum kernel per stream
    public const string ObjectDisassembly = "/api/objects/{id}/programs/{program}/disassembly"; // GET ?kernel=id
    public const string Matrix = "/api/matrix";                         // GET ?format=json|csv|markdown&objectLabel=&kernelLabel=&arch=&minRelease=&maxRelease=
    public const string Kfunc = "/api/kfuncs/{name}";                   // GET one kfunc across kernels
    public const string CiCheck = "/api/ci/check";                      // POST multipart file or sha256 (+ labels/release/arch) ?format=json|junit|markdown
    public const string AgentVerdicts = "/api/agent/verdicts";          // GET ?kernel=<btf sha256>&object=<sha256>[&object=...]
    public const string AgentReports = "/api/agent/reports";            // POST AgentReport; GET list of observed outcomes
    public const string KernelLab = "/api/kernels/{id}/lab";            // POST LabRunRequest (objects: sha256s, or none = all): queue a lab run (202); GET runs, newest first
    public const string LabAgreement = "/api/lab/agreement";            // GET per kernel: cells compared, agreed, disagreements by reason code (latest finished run)
    public const string ApiKeyHeader = "X-Api-Key";
}
