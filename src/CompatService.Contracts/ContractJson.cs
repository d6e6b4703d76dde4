using System.Text.Json;
using System.Text.Json.Serialization;

namespace CompatService.Contracts;

/// <summary>The JSON settings every face uses for engine output and the API: camelCase, indented, enums as strings.</summary>
public static class ContractJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
