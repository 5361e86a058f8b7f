using Xunit;
using Xunit.Abstractions;

namespace Raft.Tests.Protocol;

/// <summary>
/// Thousands of randomly ordered, lost, duplicated and crash-interrupted steps per seed, with the Raft safety properties
/// checked after every one, then a healed network must converge. Seeds make every failure replayable.
/// </summary>
public class RandomizedSafetyTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Safety_holds_under_reordering_loss_duplication_and_crashes(int seed)
    {
        var simulation = new ChaosSimulation(seed, size: 5);

        simulation.Run(steps: 4000);
        simulation.HealAndConverge();

        output.WriteLine($"seed {seed}: {simulation.ElectionsWon} elections won, {simulation.CommittedCount} entries committed, " +
            $"{simulation.Compactions} compactions, {simulation.SnapshotsInstalled} snapshots installed");
        Assert.True(simulation.ElectionsWon >= 3, "The schedule should elect several leaders.");
        Assert.True(simulation.CommittedCount >= 20, "The schedule should commit entries, or it checks nothing.");
    }
}
