using System.Diagnostics;

namespace CompatService.Cli;

/// <summary>Progress on stderr, shown only once a run has taken more than a second; stdout carries only the result.</summary>
public sealed class Progress(int total, string what)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _done;
    private bool _shown;

    public void Step(string item)
    {
        _done++;
        if (_clock.Elapsed < TimeSpan.FromSeconds(1)) return;
        _shown = true;
        Console.Error.Write($"\r{what} {_done}/{total} {Truncate(item),-50}");
    }

    public void Done()
    {
        if (_shown) Console.Error.WriteLine($"\r{what} {total}/{total} done in {_clock.Elapsed.TotalSeconds:F1} s{new string(' ', 40)}");
    }

    private static string Truncate(string s) => s.Length <= 50 ? s : "…" + s[^49..];
}
