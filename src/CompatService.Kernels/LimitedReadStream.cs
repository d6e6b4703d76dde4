using CompatService.Engine.Binary;

namespace CompatService.Kernels;

/// <summary>Passes reads through and throws a BpfFormatException once more than <c>max</c> bytes came out (decompression bombs).</summary>
internal sealed class LimitedReadStream(Stream inner, long max, string what, Func<InputLimitException>? overLimit = null) : Stream
{
    private long _total;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _total += n;
        if (_total > max) throw overLimit?.Invoke() ?? new InputLimitException($"{what}: decompresses to more than the limit of {max} bytes (refused)", max, 0);
        return n;
    }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
}
