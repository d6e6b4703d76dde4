namespace CompatService.Api.Commands;

/// <summary>A one-line progress bar on stderr ("[#####-----] 5/10 name"); plain lines when stderr is not a terminal.</summary>
public sealed class ProgressBar(int total)
{
    private int _done;

    public void Step(string label, string outcome)
    {
        _done++;
        const int width = 30;
        var filled = total == 0 ? width : _done * width / total;
        var line = $"[{new string('#', filled)}{new string('-', width - filled)}] {_done}/{total} {label}: {outcome}";
        if (Console.IsErrorRedirected) Console.Error.WriteLine(line);
        else Console.Error.Write("\r" + line.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 120, 160)));
        if (_done == total && !Console.IsErrorRedirected) Console.Error.WriteLine();
    }
}
