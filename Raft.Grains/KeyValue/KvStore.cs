using Raft.Grains.Interfaces;

namespace Raft.Grains.KeyValue;

/// <summary>
/// The deterministic key-value state machine: values with versions, and client sessions that make each
/// request apply at most once (Raft thesis §6.3). Every replica applies the same commands in the same order
/// and so reaches the same state, including which session is evicted when there are too many.
/// </summary>
public sealed class KvStore
{
    private readonly Dictionary<string, (string Value, long Version)> data = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Session> sessions = new();
    private readonly int maxSessions;

    public KvStore(int maxSessions) => this.maxSessions = maxSessions;

    public int Count => data.Count;

    public int SessionCount => sessions.Count;

    /// <summary>Applies the command found at log <paramref name="index"/>.</summary>
    public KvResponse Apply(KvCommand command, long index)
    {
        if (command.Operation is KvRegisterSession)
        {
            // The log index is unique and the same on every replica: a deterministic client id.
            sessions[index] = new Session(0, KvResponse.Of(KvStatus.Ok), index);
            EvictIfNeeded();
            return new KvResponse(KvStatus.Ok, null, index, null);
        }
        if (!sessions.TryGetValue(command.ClientId, out var session))
        {
            return KvResponse.Of(KvStatus.SessionExpired);
        }
        if (command.Sequence == session.LastSequence)
        {
            session.LastUsedIndex = index;
            return session.LastResponse;
        }
        if (command.Sequence < session.LastSequence)
        {
            return KvResponse.Of(KvStatus.StaleRequest);
        }
        var response = Execute(command.Operation);
        session.LastSequence = command.Sequence;
        session.LastResponse = response;
        session.LastUsedIndex = index;
        return response;
    }

    public (string Value, long Version)? Read(string key) => data.TryGetValue(key, out var entry) ? entry : null;

    private KvResponse Execute(KvOperation operation)
    {
        switch (operation)
        {
            case KvGet get:
                return data.TryGetValue(get.Key, out var found)
                    ? new KvResponse(KvStatus.Ok, found.Value, found.Version, null)
                    : KvResponse.Of(KvStatus.NoKey);
            case KvPut put:
                return Set(put.Key, put.Value);
            case KvAppend append:
                var current = data.TryGetValue(append.Key, out var existing) ? existing.Value : "";
                return Set(append.Key, current + append.Value);
            case KvDelete delete:
                data.Remove(delete.Key);
                return new KvResponse(KvStatus.Ok, null, 0, null);
            case KvPutIfVersion cas:
                var version = data.TryGetValue(cas.Key, out var prior) ? prior.Version : 0;
                if (version != cas.ExpectedVersion)
                {
                    return version == 0
                        ? KvResponse.Of(KvStatus.NoKey)
                        : new KvResponse(KvStatus.VersionMismatch, prior.Value, version, null);
                }
                return Set(cas.Key, cas.Value);
            default:
                throw new InvalidOperationException($"Unknown key-value operation {operation.GetType().Name}.");
        }
    }

    private KvResponse Set(string key, string value)
    {
        var version = (data.TryGetValue(key, out var prior) ? prior.Version : 0) + 1;
        data[key] = (value, version);
        return new KvResponse(KvStatus.Ok, value, version, null);
    }

    private void EvictIfNeeded()
    {
        while (sessions.Count > maxSessions)
        {
            var oldest = sessions.MinBy(s => s.Value.LastUsedIndex).Key;
            sessions.Remove(oldest);
        }
    }

    public KvSnapshot ToSnapshot(long lastIncludedIndex) => new(
        data.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new KvSnapshotEntry(e.Key, e.Value.Value, e.Value.Version)).ToArray(),
        sessions.OrderBy(s => s.Key).Select(s => new KvSnapshotSession(s.Key, s.Value.LastSequence, s.Value.LastResponse, s.Value.LastUsedIndex)).ToArray(),
        lastIncludedIndex);

    public void Restore(KvSnapshot snapshot)
    {
        data.Clear();
        sessions.Clear();
        foreach (var entry in snapshot.Entries)
        {
            data[entry.Key] = (entry.Value, entry.Version);
        }
        foreach (var session in snapshot.Sessions)
        {
            sessions[session.ClientId] = new Session(session.LastSequence, session.LastResponse, session.LastUsedIndex);
        }
    }

    private sealed class Session(long lastSequence, KvResponse lastResponse, long lastUsedIndex)
    {
        public long LastSequence { get; set; } = lastSequence;

        public KvResponse LastResponse { get; set; } = lastResponse;

        public long LastUsedIndex { get; set; } = lastUsedIndex;
    }
}
