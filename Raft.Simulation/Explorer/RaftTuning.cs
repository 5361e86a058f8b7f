using Raft.Grains;

namespace Raft.Simulation.Explorer;

/// <summary>
/// The Raft options a schedule varies, in milliseconds and entries. Small appends (a few entries each) make a lagging
/// follower need many rounds and conflict backups; small segments make every append rewrite and trim log records.
/// </summary>
public sealed record RaftTuning(int HeartbeatMs, int ElectionTimeoutMinMs, int ElectionTimeoutMaxMs, int RpcTimeoutMs, int MaxEntriesPerAppend, int EntriesPerSegment)
{
    public static RaftTuning Draw(Random random)
    {
        var heartbeat = random.Next(30, 151);
        var electionMin = heartbeat + random.Next(100, 400);
        return new RaftTuning(
            heartbeat,
            electionMin,
            electionMin + random.Next(50, 400),
            random.Next(30, electionMin), // under the election timeout, as RaftOptions asks
            random.Next(2) == 0 ? random.Next(1, 9) : 512,
            random.Next(2) == 0 ? random.Next(1, 9) : 64);
    }

    public void ApplyTo(RaftOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(HeartbeatMs);
        options.ElectionTimeoutMin = TimeSpan.FromMilliseconds(ElectionTimeoutMinMs);
        options.ElectionTimeoutMax = TimeSpan.FromMilliseconds(ElectionTimeoutMaxMs);
        options.RpcTimeout = TimeSpan.FromMilliseconds(RpcTimeoutMs);
        options.MaxEntriesPerAppend = MaxEntriesPerAppend;
        options.EntriesPerSegment = EntriesPerSegment;
    }

    public override string ToString() =>
        $"heartbeat {HeartbeatMs} ms, election timeout {ElectionTimeoutMinMs}-{ElectionTimeoutMaxMs} ms, RPC timeout {RpcTimeoutMs} ms, " +
        $"{MaxEntriesPerAppend} entries per append, {EntriesPerSegment} per segment";
}
