using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.GrainDirectory;
using Orleans.Metadata;
using Orleans.Runtime.GrainDirectory;

namespace Raft.Grains;

/// <summary>
/// Gives the grain types placed by <see cref="PeerPlacement"/> (the Raft peer and its key-value grain) the directory of
/// pinned grains, <see cref="PeerGrainDirectory"/>, when RaftOptions.PeerSilos pins every configured peer. Otherwise
/// they keep Orleans' default directory: a peer placed by hash moves when membership changes, so only a directory that
/// registers activations keeps it single.
/// </summary>
internal sealed class PeerGrainDirectoryResolver(IOptions<RaftOptions> options, IServiceProvider services) : IGrainDirectoryResolver
{
    public bool TryResolveGrainDirectory(GrainType grainType, GrainProperties? properties, [NotNullWhen(true)] out IGrainDirectory? grainDirectory)
    {
        if (properties is not null
            && properties.Properties.TryGetValue(WellKnownGrainTypeProperties.PlacementStrategy, out var strategy)
            && strategy == nameof(PeerPlacement)
            && options.Value.PinsEveryPeer)
        {
            grainDirectory = services.GetRequiredKeyedService<IGrainDirectory>(PeerGrainDirectory.Name);
            return true;
        }
        grainDirectory = null;
        return false;
    }
}
