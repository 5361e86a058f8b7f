namespace Raft.Grains.Protocol;

/// <summary>The part of Raft state that must be durable before a vote is granted or a term is acted on.</summary>
public sealed record HardState(long CurrentTerm, string? VotedFor);
