namespace CompatService.Dashboard.ViewModels;

public enum UploadStatus { Sending, Stored, AlreadyStored, Refused }

/// <summary>One file on the upload page: how far it got and what the service said.</summary>
public sealed class UploadItem(string fileName, long size)
{
    public string FileName { get; } = fileName;
    public long Size { get; } = size;
    public long Sent { get; set; }
    public UploadStatus Status { get; set; } = UploadStatus.Sending;
    public string? Link { get; set; }
    public string? Summary { get; set; }
    public Exception? Error { get; set; }

    public int Percent => Size <= 0 ? 100 : (int)Math.Clamp(Sent * 100 / Size, 0, 100);

    public string StatusText => Status switch
    {
        UploadStatus.Sending => Sent >= Size ? "sent; the service is reading it…" : $"sending… {Percent}%",
        UploadStatus.Stored => "stored",
        UploadStatus.AlreadyStored => "already stored (same sha256)",
        _ => "refused",
    };
}
