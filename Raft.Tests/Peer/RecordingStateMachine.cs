using System.Collections.Concurrent;
using System.Text;
using Raft.Grains;
using Raft.Grains.Interfaces;

namespace Raft.Tests.Peer;

/// <summary>
/// Creates one <see cref="RecordingStateMachine"/> per peer activation and keeps the latest of each peer, like the
/// 6.5840 tester's applier: a restarted peer gets a fresh one that must be fed from index 1 (or its snapshot).
/// </summary>
public sealed class RecordingStateMachineFactory(int snapshotEvery = 0) : IRaftStateMachineFactory
{
    private readonly ConcurrentDictionary<string, RecordingStateMachine> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _activations = new(StringComparer.Ordinal);

    public IRaftStateMachine Create(string peerId)
    {
        var machine = new RecordingStateMachine(peerId, snapshotEvery);
        _latest[peerId] = machine;
        _activations.AddOrUpdate(peerId, 1, (_, n) => n + 1);
        return machine;
    }

    public RecordingStateMachine? Latest(string peerId) => _latest.TryGetValue(peerId, out var machine) ? machine : null;

    public int Activations(string peerId) => _activations.TryGetValue(peerId, out var n) ? n : 0;

    public IEnumerable<RecordingStateMachine> All => _latest.Values;
}

/// <summary>
/// Records what its peer delivers and checks the 6.5840 apply rules: commands in order with no gaps, a snapshot
/// replaces the state. With snapshotEvery &gt; 0 it snapshots synchronously from inside ApplyAsync, as the 3D tests do.
/// </summary>
public sealed class RecordingStateMachine(string peerId, int snapshotEvery) : IRaftStateMachine
{
    private readonly Lock _gate = new();
    private readonly List<ApplyMsg> _messages = [];
    private readonly SortedDictionary<long, string> _state = new();
    private readonly List<string> _errors = [];
    private long _lastApplied;

    public string PeerId { get; } = peerId;

    public async Task ApplyAsync(ApplyMsg message, IRaftPeerControl peer)
    {
        long snapshotAt = 0;
        byte[]? snapshot = null;
        lock (_gate)
        {
            _messages.Add(message);
            if (message.SnapshotValid)
            {
                _state.Clear();
                foreach (var (index, command) in DecodeSnapshot(message.Snapshot ?? []))
                {
                    _state[index] = command;
                }
                if (_state.Count > 0 && _state.Keys.Max() != message.SnapshotIndex)
                {
                    _errors.Add($"{PeerId}: snapshot at {message.SnapshotIndex} holds entries through {_state.Keys.Max()}");
                }
                _lastApplied = message.SnapshotIndex;
            }
            else if (message.CommandValid)
            {
                if (message.CommandIndex != _lastApplied + 1)
                {
                    _errors.Add($"{PeerId}: applied index {message.CommandIndex} after {_lastApplied}");
                }
                _state[message.CommandIndex] = Encoding.UTF8.GetString(message.Command ?? []);
                _lastApplied = message.CommandIndex;
                if (snapshotEvery > 0 && message.CommandIndex % snapshotEvery == 0)
                {
                    snapshotAt = message.CommandIndex;
                    snapshot = EncodeSnapshot(_state);
                }
            }
            else
            {
                _errors.Add($"{PeerId}: a message with neither a command nor a snapshot");
            }
        }
        if (snapshot is not null)
        {
            await peer.SnapshotAsync(snapshotAt, snapshot);
        }
    }

    public long LastApplied
    {
        get
        {
            lock (_gate)
            {
                return _lastApplied;
            }
        }
    }

    public IReadOnlyList<ApplyMsg> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return _errors.ToArray();
            }
        }
    }

    /// <summary>The command applied at <paramref name="index"/> (from a command or a snapshot), or null.</summary>
    public string? CommandAt(long index)
    {
        lock (_gate)
        {
            return _state.TryGetValue(index, out var command) ? command : null;
        }
    }

    public IReadOnlyDictionary<long, string> State
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<long, string>(_state);
            }
        }
    }

    public static byte[] EncodeSnapshot(IEnumerable<KeyValuePair<long, string>> state)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        foreach (var (index, command) in state)
        {
            writer.Write(index);
            writer.Write(command);
        }
        writer.Flush();
        return stream.ToArray();
    }

    public static IEnumerable<(long Index, string Command)> DecodeSnapshot(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data));
        var result = new List<(long, string)>();
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            result.Add((reader.ReadInt64(), reader.ReadString()));
        }
        return result;
    }
}
