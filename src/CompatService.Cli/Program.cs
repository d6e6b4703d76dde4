using CompatService.Cli;
using CompatService.Cli.Commands;

return CompatCli.Run(args, Console.Out, Console.Error);
