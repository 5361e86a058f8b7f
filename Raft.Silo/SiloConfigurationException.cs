namespace Raft.Silo;

/// <summary>A setting that is missing, malformed or unknown: the silo does not start (exit code 2). The message names the setting.</summary>
public sealed class SiloConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
