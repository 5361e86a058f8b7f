using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Simulation.Explorer;

/// <summary>
/// Watches what every peer applies, through the state machine factories it wraps (one per silo), checking as it goes:
/// state machine safety (no two peers, and no two activations of one peer, apply different commands at one index)
/// and that each activation applies the log in order, each index once (a snapshot may skip ahead).
/// </summary>
/// <param name="describe">Renders a command for a violation's message (e.g. decodes a key-value command).</param>
public sealed class AppliedCommandRecorder(Func<byte[], string>? describe = null)
{
    private readonly object gate = new();
    private readonly Dictionary<long, (string Peer, byte[] Command)> firstApplied = new();
    private readonly List<string> violations = new();
    private readonly HashSet<long> conflictingIndexes = new();
    private long activations;

    /// <summary>The highest index any peer applied a command at.</summary>
    public long HighestApplied { get; private set; }

    public long AppliedCount { get; private set; }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (gate)
            {
                return violations.ToArray();
            }
        }
    }

    /// <summary>A factory that creates <paramref name="inner"/>'s state machines and records what they are given.</summary>
    public IRaftStateMachineFactory Wrap(IRaftStateMachineFactory inner) => new RecordingFactory(this, inner);

    private sealed class RecordingFactory(AppliedCommandRecorder recorder, IRaftStateMachineFactory inner) : IRaftStateMachineFactory
    {
        public IRaftStateMachine Create(string peerId)
        {
            long activation;
            lock (recorder.gate)
            {
                activation = ++recorder.activations;
            }
            return new Recording(recorder, peerId, activation, inner.Create(peerId));
        }
    }

    private void Applied(string peer, long activation, long index, byte[] command)
    {
        lock (gate)
        {
            AppliedCount++;
            HighestApplied = Math.Max(HighestApplied, index);
            if (!firstApplied.TryGetValue(index, out var first))
            {
                firstApplied[index] = (peer, command);
            }
            else if (!first.Command.AsSpan().SequenceEqual(command) && conflictingIndexes.Add(index))
            {
                // One report per index: once two peers disagree there, every later applier would repeat it.
                violations.Add($"state machine safety: at index {index} {peer} (activation {activation}) applied {Describe(command)} " +
                    $"but {first.Peer} applied {Describe(first.Command)}");
            }
        }
    }

    private string Describe(byte[] command) =>
        describe?.Invoke(command) ?? $"{command.Length} bytes {Convert.ToHexString(command.AsSpan(0, Math.Min(command.Length, 24)))}";

    private void Violation(string text)
    {
        lock (gate)
        {
            violations.Add(text);
        }
    }

    private sealed class Recording(AppliedCommandRecorder recorder, string peer, long activation, IRaftStateMachine machine) : IRaftStateMachine
    {
        private long lastApplied;

        public Task ApplyAsync(ApplyMsg message, IRaftPeerControl control)
        {
            if (message.SnapshotValid)
            {
                if (message.SnapshotIndex < lastApplied)
                {
                    recorder.Violation($"apply order: {peer} (activation {activation}) was given a snapshot through {message.SnapshotIndex} after applying {lastApplied}");
                }
                lastApplied = message.SnapshotIndex;
            }
            else if (message.CommandValid)
            {
                if (message.CommandIndex != lastApplied + 1)
                {
                    recorder.Violation($"apply order: {peer} (activation {activation}) applied index {message.CommandIndex} after {lastApplied}");
                }
                lastApplied = message.CommandIndex;
                recorder.Applied(peer, activation, message.CommandIndex, message.Command ?? []);
            }
            return machine.ApplyAsync(message, control);
        }
    }
}
