using Raft.Grains.Interfaces;

namespace Raft.Grains;

/// <summary>The state machine of peers in a silo that registers no <see cref="IRaftStateMachineFactory"/>: ignores everything.</summary>
internal sealed class NoOpStateMachine : IRaftStateMachine
{
    public static NoOpStateMachine Instance { get; } = new();

    public Task ApplyAsync(ApplyMsg message, IRaftPeerControl peer) => Task.CompletedTask;
}
