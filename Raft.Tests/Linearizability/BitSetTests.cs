using Raft.Simulation.Linearizability;
using Xunit;

namespace Raft.Tests.Linearizability;

public sealed class BitSetTests
{
    [Fact]
    public void Set_and_clear_track_membership_and_count()
    {
        var bits = new BitSet(130);

        Assert.True(bits.Set(0));
        Assert.True(bits.Set(64));
        Assert.True(bits.Set(129));
        Assert.False(bits.Set(64));

        Assert.Equal(3, bits.Count);
        Assert.True(bits.Contains(129));
        Assert.False(bits.Contains(1));
        Assert.Equal([0, 64, 129], bits.Members());

        Assert.True(bits.Clear(64));
        Assert.False(bits.Clear(64));
        Assert.Equal([0, 129], bits.Members());
        Assert.Throws<ArgumentOutOfRangeException>(() => bits.Set(130));
    }

    [Fact]
    public void Equal_sets_have_equal_hashes_whatever_the_order_they_were_built_in()
    {
        var a = new BitSet(200);
        var b = new BitSet(200);
        foreach (var i in new[] { 3, 77, 150, 199 })
        {
            a.Set(i);
        }
        foreach (var i in new[] { 199, 5, 150, 3, 77 })
        {
            b.Set(i);
        }
        Assert.NotEqual(a, b);

        b.Clear(5);

        Assert.Equal(a, b);
        Assert.Equal(a.Hash64, b.Hash64);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void The_hash_spreads_single_members()
    {
        var hashes = new HashSet<ulong>();
        for (var i = 0; i < 1000; i++)
        {
            var bits = new BitSet(1000);
            bits.Set(i);
            hashes.Add(bits.Hash64);
        }
        Assert.Equal(1000, hashes.Count);
        Assert.Equal(0ul, new BitSet(1000).Hash64);
    }

    [Fact]
    public void A_clone_is_independent()
    {
        var original = new BitSet(10);
        original.Set(1);
        var clone = original.Clone();

        original.Set(2);

        Assert.Equal([1], clone.Members());
        Assert.NotEqual(original, clone);
        clone.Set(2);
        Assert.Equal(original, clone);
    }
}
