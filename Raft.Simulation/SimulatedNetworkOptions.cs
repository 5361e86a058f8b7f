namespace Raft.Simulation;

/// <summary>The knobs of the simulated network, with the 6.5840 labrpc values as defaults.</summary>
public sealed class SimulatedNetworkOptions
{
    /// <summary>Seed for every random choice the network makes (delays, drops, reordering).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// A fixed delay on every call between hosts before its handler runs, standing for the round trip (default none:
    /// labrpc delivers reliable calls at once). In real time the runtime's own messaging takes that time; a simulation
    /// needs it set, or a leader commits in zero virtual time and a test that polls for commits never lets time pass.
    /// </summary>
    public TimeSpan Latency { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// A random extra on <see cref="Latency"/> for every request between hosts, and a random delay of every reply that is
    /// not held back otherwise, each drawn up to this (to the tick, from a random stream of its own seeded by
    /// <see cref="Seed"/>, so the drops and delays drawn with the seed stay what they are). With it, messages sent at one
    /// instant arrive at different ones, and client operations take time that differs from one to the next: no
    /// operation of a history is zero-length, and no two replies arrive together by accident.
    /// </summary>
    public TimeSpan LatencyJitter { get; set; } = TimeSpan.Zero;

    /// <summary>Unreliable mode: the largest extra delay on every request.</summary>
    public TimeSpan UnreliableMaxDelay { get; set; } = TimeSpan.FromMilliseconds(26);

    /// <summary>Unreliable mode: chance that a request is dropped before the handler runs.</summary>
    public double RequestDropRate { get; set; } = 0.1;

    /// <summary>Unreliable mode: chance that a reply is dropped after the handler ran.</summary>
    public double ReplyDropRate { get; set; } = 0.1;

    /// <summary>A call to a disconnected grain fails after a random wait up to this (long delays).</summary>
    public TimeSpan LongDelayMax { get; set; } = TimeSpan.FromMilliseconds(7000);

    /// <summary>A call to a disconnected grain fails after a random wait up to this (short delays).</summary>
    public TimeSpan ShortDelayMax { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Long reordering: chance that a reply is held back.</summary>
    public double ReorderRate { get; set; } = 2.0 / 3.0;

    /// <summary>Long reordering: a held reply arrives after 200 ms plus a skewed random extra up to this.</summary>
    public TimeSpan ReorderMaxExtra { get; set; } = TimeSpan.FromMilliseconds(2000);
}
