using Raft.Client.Cli;
using Xunit;

namespace Raft.Tests.ClientCli;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void EmptyHistogramReportsZero()
    {
        var histogram = new LatencyHistogram();
        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.ValueAtPercentile(50));
        Assert.Equal(0, histogram.Max);
    }

    [Fact]
    public void SmallValuesAreExact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 100; v++)
        {
            histogram.Record(v);
        }
        Assert.Equal(50, histogram.ValueAtPercentile(50));
        Assert.Equal(95, histogram.ValueAtPercentile(95));
        Assert.Equal(99, histogram.ValueAtPercentile(99));
        Assert.Equal(100, histogram.ValueAtPercentile(100));
        Assert.Equal(100, histogram.Max);
        Assert.Equal(50.5, histogram.Mean);
    }

    [Fact]
    public void PercentilesAreWithinTwoPercentOfTheSortedArray()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 20_000).Select(_ => (long)Math.Exp(random.NextDouble() * 16)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var value in values)
        {
            histogram.Record(value);
        }
        Array.Sort(values);
        foreach (var p in new[] { 1.0, 50, 90, 95, 99, 99.9, 100 })
        {
            var exact = values[(int)Math.Ceiling(p / 100 * values.Length) - 1];
            var reported = histogram.ValueAtPercentile(p);
            Assert.True(reported >= exact && reported <= exact + exact / 64 + 1, $"p{p}: exact {exact}, reported {reported}");
        }
        Assert.Equal(values[^1], histogram.Max);
    }

    [Fact]
    public void BucketsCoverEveryValueInOrder()
    {
        var previous = -1;
        foreach (var value in new long[] { 0, 1, 127, 128, 129, 255, 256, 1000, 1_000_000, long.MaxValue / 3, long.MaxValue })
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.True(index >= previous);
            Assert.True(LatencyHistogram.UpperBound(index) >= value);
            previous = index;
        }
    }

    [Fact]
    public void MergedHistogramsAddUp()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        a.Record(20);
        b.Record(5000);
        a.Add(b);
        Assert.Equal(3, a.Count);
        Assert.Equal(5000, a.Max);
        Assert.Equal(20, a.ValueAtPercentile(66));
        Assert.Equal(5000, a.ValueAtPercentile(100));
    }
}
