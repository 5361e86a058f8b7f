using Xunit.Abstractions;

namespace Raft.Tests.Simulation;

/// <summary>
/// A test class whose tests run in real time or in deterministic simulation, as the <see cref="TestClock"/> it is
/// constructed with says: the public constructor (the one xunit calls) passes <see cref="TestClock.RealTime"/>, and a
/// "…Simulated" subclass passes a <see cref="SimulatedTestClock"/> to the protected one. Each test wraps its body in
/// <see cref="RunAsync"/>.
/// </summary>
public abstract class ClockedTests(ITestOutputHelper output, TestClock clock)
{
    protected ITestOutputHelper Output { get; } = output;

    protected TestClock Clock { get; } = clock;

    /// <summary>Runs a test body on <see cref="Clock"/>.</summary>
    protected Task RunAsync(Func<Task> test) => Clock.RunAsync(Output, test);
}
