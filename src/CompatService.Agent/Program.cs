using CompatService.Agent.Commands;

return await new AgentApp(Console.Out, Console.Error).RunAsync(args);
