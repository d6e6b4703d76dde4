namespace CompatService.Engine.Binary;

/// <summary>
/// Input refused for its size, not its shape: larger than a configured limit (input, decompressed payload, image,
/// module, module count, config, BTF). A service answers 413 for this type and 422 for any other
/// <see cref="BpfFormatException"/>; the decision is by type, never by the message text.
/// </summary>
public sealed class InputLimitException(string message, long limit, long? offset = null)
    : BpfFormatException(message, offset)
{
    /// <summary>The limit that was exceeded (bytes, or a count for module limits).</summary>
    public long Limit { get; } = limit;
}
