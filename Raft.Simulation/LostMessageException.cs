namespace Raft.Simulation;

/// <summary>A call through the <see cref="LabNetwork"/> did not complete: its request or its reply was lost.</summary>
public sealed class LostMessageException(string message) : Exception(message);
