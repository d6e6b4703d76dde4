using System.Security.Cryptography;
using CompatService.Engine;
using CompatService.Engine.Binary;
using CompatService.Engine.Object;
using CompatService.Kernels;

namespace CompatService.Cli;

/// <summary>Reads the files a command names; malformed input becomes a <see cref="CliUsageException"/> naming the file.</summary>
public static class Inputs
{
    /// <summary>Reads and parses an object within <paramref name="budget"/> (over it: "PATH: too complex to analyse: ...").</summary>
    public static (BpfObject Object, string Sha256) ReadObject(string path, AnalysisBudget budget)
    {
        var bytes = ReadFile(path);
        try
        {
            return (CompatEngine.OpenObject(bytes, budget), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        catch (BpfFormatException e)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
    }

    public static LoadedKernel ReadKernel(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new CliUsageException($"{path}: no such file or directory");
        try
        {
            return KernelInput.Load(path);
        }
        catch (BpfFormatException e) when (NotAKernel.IsBpfObjectRefusal(e))
        {
            throw new CliUsageException($"{path}: {e.Reason}; give it as OBJECT and a kernel (BTF, vmlinux, image, package) after --kernel");
        }
        catch (BpfFormatException e)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
        catch (IOException e)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
    }

    public static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"{path}: {e.Message}");
        }
    }
}
