using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompatService.Engine.Reporting;

/// <summary>The JSON settings every face uses for engine output: camelCase, indented, enums as strings.</summary>
public static class EngineJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
