using CompatService.Contracts;

namespace CompatService.Dashboard.Tests.Infrastructure;

/// <summary>A generated fleet: <c>kernels</c> kernels in several streams × <c>objects</c> objects of <c>programsPerObject</c> programs.</summary>
public static class LargeMatrix
{
    public static FakeDashboardApi Create(int kernels = 50, int objects = 50, int programsPerObject = 10)
    {
        var api = new FakeDashboardApi();
        string[] arches = ["amd64", "arm64"];
        string[] flavours = ["", "cloud-", "rt-"];
        string[] bases = ["5.15.0", "6.1.0", "6.6.0", "6.8.0", "6.12.117", "6.18.0", "7.2.13"];
        var matrixKernels = new List<MatrixKernel>();
        for (var i = 0; i < kernels; i++)
        {
            var arch = arches[i % 2];
            var flavour = flavours[i / 2 % 3] + arch;
            var release = $"{bases[i / 6 % bases.Length]}-{10 + i}-{flavour}";
            api.Kernels.Add(TestData.Kernel(i + 1, release, arch, i % 5 == 0 ? "ubuntu" : "debian", flavour));
            matrixKernels.Add(new MatrixKernel((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), release, TestData.ShaB));
        }
        var matrixObjects = new List<MatrixObject>();
        for (var o = 0; o < objects; o++)
        {
            var sha = o.ToString("x64");
            var programs = new List<MatrixProgram>();
            for (var p = 0; p < programsPerObject; p++)
            {
                var results = matrixKernels.Select((k, i) => ((o * 31 + p * 7 + i) % 11) switch
                {
                    0 or 1 => TestData.Fails(k.Id),
                    2 => TestData.Degraded(k.Id),
                    3 => TestData.Unknown(k.Id),
                    _ => TestData.Loads(k.Id),
                }).ToList();
                programs.Add(new MatrixProgram($"prog_{o:D2}_{p:D2}", "xdp", "xdp", [], results));
            }
            matrixObjects.Add(new MatrixObject($"object_{o:D2}.bpf.o", sha, programs));
            api.Objects.Add(TestData.Object(1000 + o, $"object_{o:D2}.bpf.o") with { Sha256 = sha });
        }
        api.Matrix = new MatrixReport(matrixKernels, matrixObjects);
        return api;
    }
}
