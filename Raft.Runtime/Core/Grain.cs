using Microsoft.Extensions.DependencyInjection;
using Raft.Runtime.Activation;

namespace Raft.Runtime;

/// <summary>
/// Base class of every grain. A grain is a plain class: the runtime constructs it through dependency
/// injection, loads its persistent state, calls <see cref="OnActivateAsync"/>, and then runs its requests
/// one turn at a time on the activation's own scheduler.
/// </summary>
public abstract class Grain : IGrainBase
{
    private readonly ActivationData activation;

    protected Grain()
    {
        // Set by the activator for the duration of the constructor call, so that constructors may
        // already use GetPrimaryKeyString(), GrainFactory and the like, as in Orleans.
        activation = ActivationData.Constructing
            ?? throw new InvalidOperationException($"{GetType().Name} must be created by the grain runtime, not with 'new'.");
    }

    internal ActivationData Activation => activation;

    ActivationData IGrainBase.Activation => activation;

    /// <summary>The identity of this grain.</summary>
    public GrainId GrainId => activation.GrainId;

    /// <summary>The runtime's handle on this activation (for <see cref="IPersistentStateFactory"/>).</summary>
    public IGrainContext GrainContext => activation;

    /// <summary>Creates references to other grains.</summary>
    protected IGrainFactory GrainFactory => activation.Runtime.GrainFactory;

    /// <summary>The silo's service provider.</summary>
    protected IServiceProvider ServiceProvider => activation.Runtime.Services;

    /// <summary>The name of the silo this activation lives on.</summary>
    protected string RuntimeIdentity => activation.Runtime.SiloName;

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivate this activation once the current request completes.</summary>
    protected void DeactivateOnIdle() => activation.RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called."));

    /// <summary>Keep this activation alive for at least <paramref name="timeSpan"/> regardless of idleness.</summary>
    protected void DelayDeactivation(TimeSpan timeSpan) => activation.DelayDeactivation(timeSpan);

    /// <summary>Registers a grain timer; see <see cref="GrainTimerCreationOptions"/> for its semantics.</summary>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return activation.RegisterTimer(ct => callback(state, ct), options);
    }

    /// <summary>Registers a grain timer without a state argument.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return activation.RegisterTimer(callback, options);
    }

    /// <summary>Registers a grain timer with a due time and period and default options.</summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        => RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period));
}

/// <summary>Implemented by <see cref="Grain"/>; lets extension methods reach the activation.</summary>
public interface IGrainBase : IAddressable
{
    internal ActivationData Activation { get; }

    Task OnActivateAsync(CancellationToken cancellationToken);

    Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken);
}
