using Raft.Runtime;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>
/// The labrpc-style <see cref="LabNetwork"/> between grains, applied as an outgoing call filter to every call from one
/// grain to another (calls from outside any grain, such as a test's, pass untouched). A grain is an endpoint named by
/// its grain id, on the host <see cref="HostOf"/> names; a lost message reaches the caller as
/// <see cref="MessageLostException"/>. Calls from outside any grain can take part as a named client
/// (<see cref="AsClient"/>), so that tests can partition clients too.
/// </summary>
public sealed class SimulatedNetwork : IOutgoingGrainCallFilter
{
    private static readonly AsyncLocal<GrainId?> CurrentClient = new();
    private readonly LabNetwork lab;

    public SimulatedNetwork(SimulatedNetworkOptions? options = null, TimeProvider? time = null)
    {
        lab = new LabNetwork(options, time);
    }

    public SimulatedNetworkOptions Options => lab.Options;

    /// <summary>The network itself, by host names (what <see cref="HostOf"/> gives).</summary>
    public LabNetwork Lab => lab;

    public bool Reliable
    {
        get => lab.Reliable;
        set => lab.Reliable = value;
    }

    public bool LongDelays
    {
        get => lab.LongDelays;
        set => lab.LongDelays = value;
    }

    public bool LongReordering
    {
        get => lab.LongReordering;
        set => lab.LongReordering = value;
    }

    /// <inheritdoc cref="LabNetwork.Trace"/>
    public Action<string>? Trace
    {
        get => lab.Trace;
        set => lab.Trace = value;
    }

    /// <summary>Which host a grain runs on; by default every grain is a host of its own.</summary>
    public Func<GrainId, string> HostOf { get; set; } = static grain => grain.ToString();

    /// <summary>
    /// Calls made from outside any grain inside this scope come from the client <paramref name="name"/>
    /// (grain id "client/{name}") and obey the network like grain calls.
    /// </summary>
    public static IDisposable AsClient(string name)
    {
        var previous = CurrentClient.Value;
        CurrentClient.Value = new GrainId("client", name);
        return new ClientScope(previous);
    }

    private sealed class ClientScope(GrainId? previous) : IDisposable
    {
        public void Dispose() => CurrentClient.Value = previous;
    }

    /// <summary>Every call between grains, including dropped ones.</summary>
    public long TotalCount => lab.TotalCount;

    /// <summary>Request bytes of every call plus reply bytes of every delivered reply.</summary>
    public long TotalBytes => lab.TotalBytes;

    /// <summary>Calls <paramref name="grain"/> made across the network (counted in <see cref="TotalCount"/>), dropped ones included.</summary>
    public long SentCount(GrainId grain) => lab.SentCount(grain.ToString());

    /// <summary>RPCs that reached <paramref name="grain"/>'s handler.</summary>
    public long ReceivedCount(GrainId grain) => lab.ReceivedCount(grain.ToString());

    public void Connect(GrainId grain) => lab.Connect(HostOf(grain));

    public void Disconnect(GrainId grain) => lab.Disconnect(HostOf(grain));

    public bool IsConnected(GrainId grain) => lab.IsConnected(HostOf(grain));

    /// <summary>Splits the given grains into groups that can talk only within themselves.</summary>
    public void Partition(params IReadOnlyCollection<GrainId>[] groups) =>
        lab.Partition(groups.Select(group => (IReadOnlyCollection<string>)group.Select(HostOf).ToArray()).ToArray());

    /// <summary>Removes every partition (disconnected grains stay disconnected).</summary>
    public void Heal() => lab.Heal();

    /// <summary>Called by the cluster when a grain crashes or restarts: replies from earlier incarnations are lost.</summary>
    internal void NewIncarnation(GrainId grain) => lab.NewIncarnation(grain.ToString());

    public bool CanDeliver(GrainId from, GrainId to) => lab.CanDeliver(HostOf(from), HostOf(to));

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if ((context.SourceId ?? CurrentClient.Value) is not { } source)
        {
            await context.Invoke();
            return;
        }
        var target = context.TargetId;
        try
        {
            await lab.CallAsync(source.ToString(), HostOf(source), target.ToString(), HostOf(target), context.MethodName,
                context.RequestSize, context.Invoke, () => context.ResponseSize);
        }
        catch (LostMessageException lost)
        {
            throw new MessageLostException(lost.Message);
        }
    }
}
