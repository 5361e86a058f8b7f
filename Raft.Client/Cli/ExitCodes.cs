namespace Raft.Client.Cli;

/// <summary>The process exit codes of raft-client (also listed in --help and the README).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Any error not covered by a more specific code.</summary>
    public const int Error = 1;

    /// <summary>Bad arguments: unknown command or option, missing argument, malformed value.</summary>
    public const int Usage = 2;

    /// <summary>No gateway answered (or the connection to it was lost).</summary>
    public const int Unreachable = 3;

    /// <summary>No peer claimed leadership within the operation deadline.</summary>
    public const int NoLeader = 4;

    /// <summary>The operation did not complete within the deadline; it may or may not have been applied.</summary>
    public const int Timeout = 5;

    /// <summary>cas found a different version than --expected-version.</summary>
    public const int VersionMismatch = 6;

    /// <summary>The servers refused the request (key or value too large) or the client's session expired.</summary>
    public const int Rejected = 7;

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM before the operation completed.</summary>
    public const int Interrupted = 130;

    internal const string HelpText = """
        Exit codes:
          0  success
          1  any other error
          2  bad arguments (unknown command or option, missing argument, bad value)
          3  cluster unreachable (no gateway answered)
          4  no leader within --timeout
          5  timed out with unknown outcome (the operation may or may not have been applied)
          6  cas version mismatch
          7  rejected (key or value too large) or session expired
          130 interrupted (Ctrl+C)
        """;
}

/// <summary>A semantic argument error found after parsing (exit code 2).</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>cas found another version (exit code 6).</summary>
internal sealed class VersionMismatchException(string message) : Exception(message);
