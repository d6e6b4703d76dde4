namespace CompatService.Api.Mapping;

/// <summary>
/// Labels are string → string. On upload they come as a JSON object (<c>{"repo":"x","commit":"abc"}</c>) or as
/// <c>k=v,k2=v2</c>; in list queries as repeated <c>label=k=v</c> (all must match; jsonb containment, GIN-indexed).
/// </summary>
public static class Labels
{
    public static Dictionary<string, string> Parse(string? text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text)) return d;
        text = text.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                foreach (var p in doc.RootElement.EnumerateObject())
                    d[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
            catch (JsonException e)
            {
                throw new ApiProblemException(400, "bad request", $"labels: not a JSON object of strings ({e.Message})");
            }
            return d;
        }
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            AddPair(d, part);
        return d;
    }

    public static Dictionary<string, string> ParseQuery(IEnumerable<string>? pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in pairs ?? [])
            foreach (var part in p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                AddPair(d, part);
        return d;
    }

    private static void AddPair(Dictionary<string, string> d, string part)
    {
        var eq = part.IndexOf('=');
        if (eq <= 0) throw new ApiProblemException(400, "bad request", $"label '{part}' is not key=value");
        d[part[..eq]] = part[(eq + 1)..];
    }

    public static string ToJson(IReadOnlyDictionary<string, string> labels) => JsonSerializer.Serialize(labels);

    public static IReadOnlyDictionary<string, string> FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new Dictionary<string, string>() :
            JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? new Dictionary<string, string>();
}
