using Spectre.Console;

namespace CompatService.Api.Commands;

/// <summary>
/// The import's progress through Spectre.Console: a live bar on stderr when stderr is a terminal; one plain line per
/// item otherwise (no '\r' or escape codes in CI logs). Either way every item's outcome is written once, failures too.
/// </summary>
public static class ImportProgress
{
    /// <summary>Runs <paramref name="step"/> for each item; the step reports (name, outcome, ok) through its callback.</summary>
    public static async Task RunAsync(IReadOnlyList<string> items, Func<string, Action<string, string, bool>, Task> step,
        TextWriter? plain = null, bool? interactive = null)
    {
        if (!(interactive ?? !Console.IsErrorRedirected))
        {
            var writer = plain ?? Console.Error;
            var done = 0;
            foreach (var item in items)
                await step(item, (name, outcome, _) => writer.WriteLine($"[{++done}/{items.Count}] {name}: {outcome}"));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("importing kernels", maxValue: items.Count);
                foreach (var item in items)
                {
                    task.Description = Markup.Escape(Path.GetFileName(item.TrimEnd('/')));
                    await step(item, (name, outcome, ok) =>
                        console.MarkupLine($"{(ok ? "[green]✓[/]" : "[red]✗[/]")} {Markup.Escape(name)}: {Markup.Escape(outcome)}"));
                    task.Increment(1);
                }
                task.Description = "imported";
            });
    }
}
