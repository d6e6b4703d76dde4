using System.Diagnostics;

namespace CompatService.Cli;

/// <summary>
/// Progress on stderr, only when stderr is a terminal (no '\r' lines in CI logs) and only once a run has taken more
/// than <c>delay</c> (one second); stdout carries only the result.
/// </summary>
public sealed class Progress(int total, string what, TextWriter? writer = null, bool? interactive = null, TimeSpan? delay = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TextWriter _err = writer ?? Console.Error;
    private readonly bool _interactive = interactive ?? !Console.IsErrorRedirected;
    private readonly TimeSpan _delay = delay ?? TimeSpan.FromSeconds(1);
    private int _done;
    private bool _shown;

    public void Step(string item)
    {
        _done++;
        if (!_interactive || _clock.Elapsed < _delay) return;
        _shown = true;
        _err.Write($"\r{what} {_done}/{total} {Truncate(item),-50}");
    }

    public void Done()
    {
        if (_shown) _err.WriteLine($"\r{what} {total}/{total} done in {_clock.Elapsed.TotalSeconds:F1} s{new string(' ', 40)}");
    }

    private static string Truncate(string s) => s.Length <= 50 ? s : "…" + s[^49..];
}
