namespace Raft.Runtime.Serialization;

/// <summary>
/// Stands in for an exception thrown in another process whose type is not recreated here (only a few well-known
/// framework exceptions are; anything else could run arbitrary constructors or lose state silently).
/// </summary>
public sealed class RemoteException : Exception
{
    public RemoteException(string originalType, string? message, string? remoteStackTrace, Exception? innerException = null)
        : base(message, innerException)
    {
        OriginalType = originalType;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The full name of the exception type that was thrown remotely.</summary>
    public string OriginalType { get; }

    /// <summary>The stack trace where it was thrown, as text.</summary>
    public string? RemoteStackTrace { get; }

    public override string ToString()
    {
        var text = $"{OriginalType} (remote): {Message}";
        if (InnerException is not null)
        {
            text += $" ---> {InnerException}";
        }
        if (!string.IsNullOrEmpty(RemoteStackTrace))
        {
            text += Environment.NewLine + RemoteStackTrace;
        }
        return text;
    }
}
