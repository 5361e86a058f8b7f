using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.GrainDirectory;
using Orleans.Metadata;
using Raft.Grains;
using Xunit;

namespace Raft.Tests.OrleansHosting;

/// <summary>
/// <see cref="PeerGrainDirectory"/> against a membership view of its own making: a pinned grain registers only on its
/// home silo (the oldest live member of its configured name), an activation elsewhere is sent home, and the directory
/// is chosen only for the peer-placed grain types when every peer is pinned (<see cref="PeerGrainDirectoryResolver"/>).
/// </summary>
public sealed class PeerGrainDirectoryTests
{
    private static readonly GrainId Peer0 = GrainId.Create("raftpeer", "kv/0");
    private static readonly Dictionary<string, string> AllPinned = new() { ["kv/0"] = "s0", ["kv/1"] = "s1", ["kv/2"] = "s2" };

    [Fact]
    public async Task The_home_silo_registers_its_activation_and_another_silo_is_sent_home()
    {
        var s0 = Silo(11111, 1);
        var s1 = Silo(11112, 1);
        var membership = new FixedMembership((s0, SiloStatus.Active, "s0"), (s1, SiloStatus.Active, "s1"));
        var directory = Directory(membership);

        var home = Activation(s0);
        Assert.Same(home, await directory.Register(home));

        var stray = await directory.Register(Activation(s1));
        Assert.NotNull(stray);
        Assert.Equal(s0, stray.SiloAddress);
        Assert.Equal(Peer0, stray.GrainId);
        Assert.Null(await directory.Lookup(Peer0));
    }

    [Fact]
    public async Task Of_two_live_silos_of_one_name_the_older_stays_home_until_membership_declares_it_dead()
    {
        var old = Silo(11111, 1);
        var restarted = Silo(11121, 2);
        var membership = new FixedMembership((old, SiloStatus.Active, "s0"), (restarted, SiloStatus.Active, "s0"));
        var directory = Directory(membership);

        Assert.Equal(old, (await directory.Register(Activation(restarted)))?.SiloAddress);

        membership.Set((old, SiloStatus.Dead, "s0"), (restarted, SiloStatus.Active, "s0"));
        var moved = Activation(restarted);
        Assert.Same(moved, await directory.Register(moved));
    }

    [Fact]
    public async Task A_grain_whose_silo_is_no_live_member_or_that_is_not_pinned_is_refused()
    {
        var s1 = Silo(11112, 1);
        var membership = new FixedMembership((Silo(11111, 1), SiloStatus.Dead, "s0"), (s1, SiloStatus.Active, "s1"));
        var directory = Directory(membership);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => directory.Register(Activation(s1)));
        var unpinned = new GrainAddress { GrainId = GrainId.Create("raftpeer", "kv/9"), ActivationId = ActivationId.NewId(), SiloAddress = s1 };
        await Assert.ThrowsAsync<InvalidOperationException>(() => directory.Register(unpinned));
    }

    [Fact]
    public void The_directory_serves_the_peer_placed_grain_types_only_when_every_peer_is_pinned()
    {
        var peerPlaced = Properties(nameof(PeerPlacement));
        var other = Properties("RandomPlacement");

        Assert.True(Resolver(AllPinned).TryResolveGrainDirectory(Peer0.Type, peerPlaced, out var directory));
        Assert.IsType<PeerGrainDirectory>(directory);
        Assert.False(Resolver(AllPinned).TryResolveGrainDirectory(GrainType.Create("other"), other, out _));
        Assert.False(Resolver(new() { ["kv/0"] = "s0" }).TryResolveGrainDirectory(Peer0.Type, peerPlaced, out _));
        Assert.False(Resolver(new()).TryResolveGrainDirectory(Peer0.Type, peerPlaced, out _));
    }

    private static PeerGrainDirectory Directory(IClusterMembershipService membership) =>
        new(Options.Create(new RaftOptions { PeerSilos = AllPinned }), membership, NullLogger<PeerGrainDirectory>.Instance);

    private static PeerGrainDirectoryResolver Resolver(Dictionary<string, string> peerSilos)
    {
        var options = Options.Create(new RaftOptions { PeerSilos = peerSilos });
        var services = new ServiceCollection()
            .AddKeyedSingleton<IGrainDirectory>(PeerGrainDirectory.Name, (_, _) => Directory(new FixedMembership()))
            .BuildServiceProvider();
        return new PeerGrainDirectoryResolver(options, services);
    }

    private static GrainProperties Properties(string placement) =>
        new(ImmutableDictionary.Create<string, string>(StringComparer.Ordinal).Add(WellKnownGrainTypeProperties.PlacementStrategy, placement));

    private static SiloAddress Silo(int port, int generation) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), generation);

    private static GrainAddress Activation(SiloAddress silo) =>
        new() { GrainId = Peer0, ActivationId = ActivationId.NewId(), SiloAddress = silo, MembershipVersion = new MembershipVersion(1) };

    /// <summary>A membership view that changes only when the test says so.</summary>
    private sealed class FixedMembership : IClusterMembershipService
    {
        private long _version;

        public FixedMembership(params (SiloAddress Silo, SiloStatus Status, string Name)[] members) => Set(members);

        public ClusterMembershipSnapshot CurrentSnapshot { get; private set; } = null!;

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public void Set(params (SiloAddress Silo, SiloStatus Status, string Name)[] members) =>
            CurrentSnapshot = new ClusterMembershipSnapshot(
                members.ToImmutableDictionary(m => m.Silo, m => new ClusterMember(m.Silo, m.Status, m.Name)),
                new MembershipVersion(++_version));

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();
    }
}
