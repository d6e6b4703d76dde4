using System.IO.Compression;
using System.Text.Json;

namespace CompatService.Engine.KernelFacts;

/// <summary>Reads and writes <see cref="KernelFactsTable"/> as (gzip'd) JSON without reflection (the agent is AOT).</summary>
public static class KernelFactsJson
{
    public static byte[] Write(KernelFactsTable t, bool gzip)
    {
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = !gzip }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", KernelFactsTable.Format);
            w.WriteString("version", t.Version);
            w.WriteStartObject("source");
            w.WriteString("package", t.Source.Package);
            w.WriteString("packageVersion", t.Source.PackageVersion);
            w.WriteString("sha256", t.Source.Sha256);
            if (t.Source.Suite is { } suite) w.WriteString("suite", suite);
            w.WriteEndObject();
            Strings(w, "helpers", t.Helpers);
            Strings(w, "kfuncHooks", t.KfuncHooks);
            w.WriteStartObject("programTypeHooks");
            foreach (var (k, v) in t.ProgramTypeHooks.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteString("defaultHook", t.DefaultHook);
            w.WriteStartArray("kfuncSets");
            foreach (var s in t.KfuncSets)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteStartArray("kfuncs");
                foreach (var k in s.Kfuncs)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(k.Name);
                    w.WriteStringValue(k.Flags);
                    if (k.Condition is { } c) w.WriteStringValue(c);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("registrations");
            foreach (var r in t.Registrations)
            {
                w.WriteStartObject();
                w.WriteString("programType", r.ProgramType);
                w.WriteString("set", r.SetId);
                if (r.Filter is { } f) w.WriteString("filter", f);
                if (r.Condition is { } c) w.WriteString("condition", c);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("programTypes");
            foreach (var p in t.ProgramTypes)
            {
                w.WriteStartObject(p.Name);
                w.WriteString("funcProto", p.FuncProto);
                w.WriteStartObject("helpers");
                foreach (var h in p.Helpers)
                {
                    if (h.Unconditional) { w.WriteBoolean(h.Name, true); continue; }
                    w.WriteStartArray(h.Name);
                    foreach (var alt in h.Alternatives) Strings(w, null, alt);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            Strings(w, "sleepableProgramTypes", t.SleepableProgramTypes);
            w.WriteEndObject();
        }
        if (!gzip) return json.ToArray();
        var output = new MemoryStream();
        using (var z = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(json.ToArray());
        return output.ToArray();
    }

    private static void Strings(Utf8JsonWriter w, string? name, IEnumerable<string> values)
    {
        if (name is null) w.WriteStartArray(); else w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>Reads a table from JSON bytes, gzip'd or not.</summary>
    public static KernelFactsTable Read(byte[] bytes)
    {
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var z = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            var plain = new MemoryStream();
            z.CopyTo(plain);
            bytes = plain.ToArray();
        }
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        if (root.GetProperty("format").GetInt32() != KernelFactsTable.Format) throw new FormatException("kernel facts: unsupported format");
        var src = root.GetProperty("source");
        var source = new KernelFactsSource(Str(src, "package"), Str(src, "packageVersion"), Str(src, "sha256"),
            src.TryGetProperty("suite", out var suite) ? suite.GetString() : null);
        var sets = root.GetProperty("kfuncSets").EnumerateArray().Select(s => new KfuncSetFact(Str(s, "id"),
            s.GetProperty("kfuncs").EnumerateArray().Select(k =>
            {
                var a = k.EnumerateArray().Select(e => e.GetString()!).ToArray();
                return new KfuncFact(a[0], a[1], a.Length > 2 ? a[2] : null);
            }).ToArray())).ToArray();
        var regs = root.GetProperty("registrations").EnumerateArray().Select(r => new KfuncRegistration(Str(r, "programType"), Str(r, "set"),
            r.TryGetProperty("filter", out var f) ? f.GetString() : null, r.TryGetProperty("condition", out var c) ? c.GetString() : null)).ToArray();
        var types = root.GetProperty("programTypes").EnumerateObject().Select(p => new ProgramTypeFacts(p.Name, Str(p.Value, "funcProto"),
            p.Value.GetProperty("helpers").EnumerateObject().Select(h => new HelperFact(h.Name,
                h.Value.ValueKind == JsonValueKind.True ? [] :
                h.Value.EnumerateArray().Select(alt => (IReadOnlyList<string>)alt.EnumerateArray().Select(x => x.GetString()!).ToArray()).ToArray())).ToArray())).ToArray();
        return new KernelFactsTable(Str(root, "version"), source, StrArray(root, "helpers"), StrArray(root, "kfuncHooks"),
            root.GetProperty("programTypeHooks").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            Str(root, "defaultHook"), sets, regs, types, StrArray(root, "sleepableProgramTypes"));
    }

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString() ?? throw new FormatException($"kernel facts: '{name}' is null");

    private static string[] StrArray(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!).ToArray();
}
