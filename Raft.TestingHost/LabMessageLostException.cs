namespace Raft.TestingHost;

/// <summary>
/// A call the lab network lost (disconnected, dropped, or to or from a crashed peer). A <see cref="TimeoutException"/>,
/// as a lost message looks to a caller in production: peers and clients count it as a lost message and retry.
/// </summary>
public sealed class LabMessageLostException(string message) : TimeoutException(message);
