using System.Collections.Concurrent;

namespace Raft.TestingHost;

/// <summary>
/// Which peers are crashed, shared by every silo of a test cluster. A crashed activation never acts again: its calls do
/// not leave, its timer ticks and incoming calls are dropped, its replies are lost, and its storage writes are refused.
/// A grain stays down (no call reaches it, so nothing activates it) until it is restarted; Orleans may still be finishing
/// the crashed activation's deactivation then, and the next activation starts from what storage holds.
/// </summary>
public sealed class GrainCrashes
{
    private readonly ConcurrentDictionary<ActivationId, bool> _crashed = new();
    private readonly ConcurrentDictionary<GrainId, bool> _down = new();

    public bool IsCrashed(ActivationId activation) => _crashed.ContainsKey(activation);

    public bool IsDown(GrainId grain) => _down.ContainsKey(grain);

    /// <summary>True when <paramref name="context"/> is a crashed activation, or an activation of a grain that is down.</summary>
    public bool IsDead(IGrainContext? context) => context is not null && (IsCrashed(context.ActivationId) || IsDown(context.GrainId));

    internal void MarkCrashed(ActivationId activation) => _crashed[activation] = true;

    internal void MarkDown(GrainId grain) => _down[grain] = true;

    internal void MarkUp(GrainId grain) => _down.TryRemove(grain, out _);
}
