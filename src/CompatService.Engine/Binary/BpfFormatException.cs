namespace CompatService.Engine.Binary;

/// <summary>
/// The one exception the engine throws for malformed input. It says what is wrong and where:
/// a byte offset (relative to <see cref="Section"/> when set, else to the start of the input),
/// the section, and the BTF type id when the problem is inside a type.
/// </summary>
public class BpfFormatException : Exception
{
    public BpfFormatException(string message, long? offset = null, string? section = null, uint? typeId = null, Exception? inner = null)
        : base(Compose(message, offset, section, typeId), inner)
    {
        Reason = message;
        Offset = offset;
        Section = section;
        TypeId = typeId;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
    public long? Offset { get; }
    public string? Section { get; }
    public uint? TypeId { get; }

    private static string Compose(string message, long? offset, string? section, uint? typeId)
    {
        var where = new List<string>(3);
        if (section is not null) where.Add($"section '{section}'");
        if (offset is not null) where.Add($"offset 0x{offset:x}");
        if (typeId is not null) where.Add($"type id {typeId}");
        return where.Count == 0 ? message : $"{message} ({string.Join(", ", where)})";
    }
}
