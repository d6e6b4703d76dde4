namespace CompatService.HostKernels;

/// <summary>Possible CPUs of the host (/sys/devices/system/cpu/possible), for per-CPU sized maps.</summary>
public static class HostCpus
{
    private static readonly Lazy<int> Count = new(() =>
    {
        try
        {
            var text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
            var n = 0;
            foreach (var part in text.Split(','))
            {
                var r = part.Split('-');
                n += r.Length == 2 ? int.Parse(r[1]) - int.Parse(r[0]) + 1 : 1;
            }
            return Math.Max(1, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return Environment.ProcessorCount;
        }
    });

    public static int Possible => Count.Value;
}
