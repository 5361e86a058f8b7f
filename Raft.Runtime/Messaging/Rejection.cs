using System.Text;

namespace Raft.Runtime.Messaging;

/// <summary>
/// A request the target side refused without running it. The body is a reason code and a UTF-8 message, so
/// the caller gets the same exception type whichever transport carried the rejection.
/// </summary>
internal static class Rejection
{
    public enum Reason : byte
    {
        Unavailable = 1,
        Killed = 2,
        Invalid = 3,
    }

    public static ReadOnlyMemory<byte> Write(Exception exception)
    {
        var reason = exception switch
        {
            ActivationKilledException => Reason.Killed,
            SiloUnavailableException => Reason.Unavailable,
            _ => Reason.Invalid,
        };
        var text = Encoding.UTF8.GetBytes(exception.Message);
        var body = new byte[text.Length + 1];
        body[0] = (byte)reason;
        text.CopyTo(body, 1);
        return body;
    }

    public static Exception Read(Message response)
    {
        var span = response.Body.Span;
        var reason = span.Length > 0 ? (Reason)span[0] : Reason.Invalid;
        var text = span.Length > 1 ? Encoding.UTF8.GetString(span[1..]) : "The request was rejected.";
        return reason switch
        {
            Reason.Killed => new ActivationKilledException(text),
            Reason.Unavailable => new SiloUnavailableException(text),
            _ => new GrainCallException(text),
        };
    }
}
