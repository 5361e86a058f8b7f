using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Raft.Runtime.Hosting;
using Raft.Runtime.Messaging;
using Raft.Runtime.Metadata;

namespace Raft.Runtime.Activation;

/// <summary>The activations of one silo: finds or creates the activation for a message, and collects idle ones.</summary>
internal sealed class Catalog : IDisposable
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> activations = new();
    private readonly SiloRuntime runtime;
    private readonly ILogger logger;
    private ITimer? collector;

    public Catalog(SiloRuntime runtime)
    {
        this.runtime = runtime;
        logger = runtime.LoggerFactory.CreateLogger("Raft.Runtime.Catalog");
    }

    public int Count => activations.Count;

    /// <summary>
    /// The activations in ordinal order of their grain ids. A ConcurrentDictionary enumerates in hash order, and
    /// string hashes are randomized per process: whatever is done to every activation (idle collection, shutdown,
    /// a simulated crash) is done in this stable order, so that a simulated run replays the same way.
    /// </summary>
    public ActivationData[] Activations
    {
        get
        {
            var all = activations.Values.ToArray();
            Array.Sort(all, static (a, b) => string.CompareOrdinal(a.GrainId.ToString(), b.GrainId.ToString()));
            return all;
        }
    }

    public void StartCollector()
    {
        var quantum = runtime.Options.CollectionQuantum;
        collector = runtime.Time.CreateTimer(static s => ((Catalog)s!).CollectIdle(), this, quantum, quantum);
    }

    public bool TryGet(GrainId id, out ActivationData activation) => activations.TryGetValue(id, out activation!);

    /// <summary>Hands a request, one-way or cancel message to its activation, creating it if needed.</summary>
    public void Deliver(Message message)
    {
        if (message.Kind == MessageKind.Cancel)
        {
            if (activations.TryGetValue(message.Target, out var existing))
            {
                existing.CancelRequest(message.ReplyTo, message.Id);
            }
            return;
        }
        if (!runtime.Registry.TryGetClass(message.Target.Type, out var classInfo))
        {
            Reject(message, new GrainCallException($"Silo {runtime.SiloName} has no grain class for type '{message.Target.Type}' (target {message.Target})."));
            return;
        }
        if (!runtime.Registry.TryGetMethod(message.InterfaceName, message.MethodId, out var method))
        {
            Reject(message, new GrainCallException($"Silo {runtime.SiloName} does not know method {message.MethodId} of interface '{message.InterfaceName}' (target {message.Target})."));
            return;
        }
        if (runtime.IsStopping)
        {
            Reject(message, new SiloUnavailableException($"Silo {runtime.SiloName} is shutting down."));
            return;
        }
        GetOrCreate(message.Target, classInfo).Enqueue(new IncomingRequest(message, method));
    }

    /// <summary>Makes sure the grain is activated (its timers running) without sending it a request.</summary>
    public void EnsureActivated(GrainId id)
    {
        if (!runtime.Registry.TryGetClass(id.Type, out var classInfo))
        {
            throw new ArgumentException($"Silo {runtime.SiloName} has no grain class for type '{id.Type}'.");
        }
        GetOrCreate(id, classInfo);
    }

    private ActivationData GetOrCreate(GrainId id, GrainClassInfo classInfo)
    {
        while (true)
        {
            if (activations.TryGetValue(id, out var existing))
            {
                return existing;
            }
            var created = new ActivationData(id, classInfo, runtime);
            if (activations.TryAdd(id, created))
            {
                logger.LogDebug("Activating {GrainId} on {Silo}", id, runtime.SiloName);
                created.Activate();
                return created;
            }
        }
    }

    public void Remove(ActivationData activation) =>
        activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));

    private void Reject(Message message, Exception exception)
    {
        logger.LogWarning("Rejected {Message}: {Reason}", message, exception.Message);
        if (message.Kind == MessageKind.Request)
        {
            runtime.MessageCenter.SendResponse(message, ResponseStatus.Rejected, Rejection.Write(exception));
        }
    }

    private void CollectIdle()
    {
        var now = runtime.Time.GetTimestamp();
        foreach (var activation in Activations)
        {
            if (activation.IsIdleLongerThan(runtime.Options.CollectionAge, now))
            {
                activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ActivationIdle, "Idle collection."));
            }
        }
    }

    /// <summary>Deactivates every activation (silo shutdown) and waits until they are gone or the timeout passes.</summary>
    public async Task DeactivateAllAsync(TimeSpan timeout)
    {
        collector?.Dispose();
        foreach (var activation in Activations)
        {
            activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "The silo is stopping."));
        }
        var started = runtime.Time.GetTimestamp();
        while (!activations.IsEmpty && runtime.Time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), runtime.Time);
        }
    }

    public void Dispose() => collector?.Dispose();

    public override string ToString() => $"catalog of {runtime.SiloName}";
}
