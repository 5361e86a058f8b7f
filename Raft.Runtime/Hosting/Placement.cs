namespace Raft.Runtime.Hosting;

/// <summary>Chooses the silo a grain lives on. Must be deterministic: every silo asks it independently.</summary>
public interface IPlacementDirector
{
    /// <returns>The name of a silo from <paramref name="silos"/>.</returns>
    string PlaceGrain(GrainId grainId, IReadOnlyList<string> silos);
}

/// <summary>
/// Pins grains to named silos by a rule (one Raft peer per silo, say) and places every other grain by a
/// stable hash of its id over the silos.
/// </summary>
public sealed class PlacementDirector : IPlacementDirector
{
    private readonly Func<GrainId, string?>? pin;

    public PlacementDirector(Func<GrainId, string?>? pin = null) => this.pin = pin;

    public string PlaceGrain(GrainId grainId, IReadOnlyList<string> silos)
    {
        if (pin?.Invoke(grainId) is { } pinned)
        {
            return pinned;
        }
        if (silos.Count == 0)
        {
            throw new SiloUnavailableException($"No silo is known to place {grainId} on.");
        }
        var hash = Storage.Crc32C.Compute(System.Text.Encoding.UTF8.GetBytes(grainId.ToString()));
        return silos[(int)(hash % (uint)silos.Count)];
    }
}
