using System.Text.Json;
using System.Text.Json.Serialization;
using CompatService.Contracts;

namespace CompatService.Agent.Commands;

/// <summary>Source-generated JSON (Native AOT: no reflection) for the agent's output and the service DTOs it uses.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(AgentOutput))]
[JsonSerializable(typeof(AgentVerdictsResponse))]
[JsonSerializable(typeof(AgentReport))]
[JsonSerializable(typeof(List<ObservedOutcomeDto>))]
[JsonSerializable(typeof(KernelDto))]
[JsonSerializable(typeof(ObjectDto))]
[JsonSerializable(typeof(BenchResult))]
[JsonSerializable(typeof(LabOutput))]
internal sealed partial class AgentJson : JsonSerializerContext
{
    /// <summary>For printing: readable quotes and non-ASCII (the wire format stays the default escaping).</summary>
    public static readonly AgentJson Readable = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>`bench` output: check latency with a cached kernel and resident memory.</summary>
public sealed record BenchResult(int Iterations, int Objects, double P50Ms, double P99Ms, double MaxMs, double MeanMs,
    double KernelOpenMs, long VmRssKb, long VmHwmKb);
