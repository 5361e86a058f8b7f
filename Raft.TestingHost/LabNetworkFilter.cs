using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>
/// The labrpc-style <see cref="LabNetwork"/> between Raft grains, as grain call filters on every silo and on the test
/// client. Only calls between Raft grains ("raftpeer", "keyvalue") and from named test clients (<see cref="AsClient"/>)
/// cross it; everything else, Orleans' own traffic included (membership, directory, storage, timer ticks), passes
/// untouched. A peer's two grains (same key, "kv/0") are one host. The filter also enforces crashes
/// (<see cref="GrainCrashes"/>): a crashed activation sends nothing and receives nothing, timer ticks included, and no
/// call reaches a grain that is down.
/// A peer-to-peer Raft RPC (RequestVote, AppendEntries, InstallSnapshot) sent inside a silo without a calling grain
/// lost its activation context (say after <c>ConfigureAwait(false)</c>): it would cross untouched and uncounted, so it
/// is refused and recorded (<see cref="ContextlessRaftCalls"/>), and <see cref="LabTestCluster"/> fails the test with it.
/// The test's own client registers <see cref="ForTestClient"/>, whose calls without a source are the test's and pass.
/// </summary>
public sealed class LabNetworkFilter : IOutgoingGrainCallFilter, IIncomingGrainCallFilter
{
    private static readonly AsyncLocal<string?> CurrentClient = new();

    private readonly bool testClient;
    private readonly List<string> contextlessRaftCalls;

    public LabNetworkFilter(LabNetwork lab, GrainCrashes crashes)
        : this(lab, crashes, testClient: false, new List<string>())
    {
    }

    private LabNetworkFilter(LabNetwork lab, GrainCrashes crashes, bool testClient, List<string> contextlessRaftCalls)
    {
        Lab = lab;
        Crashes = crashes;
        this.testClient = testClient;
        this.contextlessRaftCalls = contextlessRaftCalls;
    }

    public LabNetwork Lab { get; }

    public GrainCrashes Crashes { get; }

    /// <summary>The Raft RPCs refused because a silo sent them without a calling grain (see the class summary).</summary>
    public IReadOnlyList<string> ContextlessRaftCalls
    {
        get
        {
            lock (contextlessRaftCalls)
            {
                return contextlessRaftCalls.ToArray();
            }
        }
    }

    /// <summary>The same network and crashes, for the test's own cluster client: its calls without a source grain are the test's direct calls.</summary>
    public LabNetworkFilter ForTestClient() => new(Lab, Crashes, testClient: true, contextlessRaftCalls);

    /// <summary>The calls that only Raft peers make to each other.</summary>
    public static bool IsPeerToPeerRpc(GrainId target, string method) =>
        target.Type.ToString() == "raftpeer" && method is "RequestVote" or "AppendEntries" or "InstallSnapshot";

    /// <summary>
    /// Calls made from outside any grain inside this scope come from the client <paramref name="name"/> (endpoint
    /// "client/{name}") and obey the network like grain calls; other calls from outside pass untouched.
    /// </summary>
    public static IDisposable AsClient(string name)
    {
        var previous = CurrentClient.Value;
        CurrentClient.Value = $"client/{name}";
        return new ClientScope(previous);
    }

    public static bool IsRaftGrain(GrainId grain) => grain.Type.ToString() is "raftpeer" or "keyvalue";

    /// <summary>The lab host of a Raft grain: its key, shared by a peer and its key-value grain.</summary>
    public static string HostOf(GrainId grain) => grain.Key.ToString()!;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (!IsRaftGrain(context.TargetId))
        {
            await context.Invoke();
            return;
        }
        if (Crashes.IsDead(context.SourceContext))
        {
            throw new LabMessageLostException($"{context.SourceId} crashed: its call to {context.TargetId} never left.");
        }
        if (Crashes.IsDown(context.TargetId))
        {
            // Refused before it is sent: a message to a grain with no activation would activate it.
            throw new LabMessageLostException($"{context.TargetId} is crashed: the call gets no reply.");
        }
        var (source, sourceHost) = context.SourceId is { } grain && IsRaftGrain(grain)
            ? (grain.ToString(), HostOf(grain))
            : CurrentClient.Value is { } client ? (client, client) : (null, null);
        if (source is null)
        {
            if (!testClient && IsPeerToPeerRpc(context.TargetId, context.MethodName))
            {
                var lost = $"{context.MethodName} to {context.TargetId} was sent inside a silo without its calling grain (a lost activation context)";
                lock (contextlessRaftCalls)
                {
                    contextlessRaftCalls.Add(lost);
                }
                throw new InvalidOperationException(lost + ": it would bypass the lab network.");
            }
            await context.Invoke();
            return;
        }
        var target = context.TargetId;
        try
        {
            await Lab.CallAsync(source, sourceHost!, target.ToString(), HostOf(target), context.MethodName,
                RequestSize(context), context.Invoke, () => MessageSize.Of(context.Result));
        }
        catch (LostMessageException lost)
        {
            throw new LabMessageLostException(lost.Message);
        }
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (Crashes.IsDead(context.TargetContext))
        {
            // A crashed activation runs nothing more: no call, no timer tick (ticks arrive as incoming calls).
            throw new LabMessageLostException($"{context.TargetId} crashed: {context.MethodName} not run.");
        }
        await context.Invoke();
    }

    /// <summary>Called when a grain crashes or restarts: replies of its earlier incarnations, and requests on their way to them, are lost.</summary>
    public void NewIncarnation(GrainId grain) => Lab.NewIncarnation(grain.ToString());

    private static long RequestSize(IOutgoingGrainCallContext context)
    {
        var request = context.Request;
        long size = 0;
        for (var i = 0; i < request.GetArgumentCount(); i++)
        {
            if (request.GetArgument(i) is not CancellationToken)
            {
                size += MessageSize.Of(request.GetArgument(i));
            }
        }
        return size;
    }

    private sealed class ClientScope(string? previous) : IDisposable
    {
        public void Dispose() => CurrentClient.Value = previous;
    }
}
