using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CompatService.Cli.Commands;
using CompatService.Contracts;

namespace CompatService.Cli;

/// <summary>
/// The CLI's JSON, generated at compile time so `compat` runs as a native AOT binary. Same settings as
/// <see cref="ContractJson.Options"/> (web defaults: camelCase; indented; nothing ignored), so the output is byte-identical.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MatrixReport))]
[JsonSerializable(typeof(RelocationResult))]
[JsonSerializable(typeof(CiCheckResponse))]
[JsonSerializable(typeof(ObjectSummary))]
[JsonSerializable(typeof(KernelCommand.KernelReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

public static class CliJson
{
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Info<T>());

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize(json, Info<T>());

    private static JsonTypeInfo<T> Info<T>() =>
        (JsonTypeInfo<T>)(CliJsonContext.Default.GetTypeInfo(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T)} is not in CliJsonContext"));
}
