using Raft.Simulation;
using Xunit.Abstractions;

namespace Raft.Tests.Simulation;

/// <summary>
/// The switch between running a cluster test in real time and in deterministic simulation, so that one test body
/// serves both. A test class takes its clock as a constructor argument (real time by default; a "…Simulated"
/// subclass passes a <see cref="SimulatedTestClock"/>), runs its body with <see cref="RunAsync"/>, and takes every delay, timestamp, seed and concurrent task from here.
/// </summary>
public abstract class TestClock
{
    /// <summary>The wall clock, the thread pool, and a random seed unless RAFT_TEST_SEED fixes one.</summary>
    public static TestClock RealTime { get; } = new RealTimeTestClock();

    /// <summary>The clock of the cluster and of the test body: the system's or the simulation loop.</summary>
    public abstract TimeProvider Time { get; }

    /// <summary>True when the test runs on a <see cref="SimulationLoop"/> in virtual time.</summary>
    public abstract bool IsSimulated { get; }

    /// <summary>The seed of the test's random choices, the simulated network and the peers' timeouts.</summary>
    public abstract int ChooseSeed();

    /// <summary>Runs the test body: directly in real time, or to completion on the simulation loop.</summary>
    public abstract Task RunAsync(ITestOutputHelper output, Func<Task> test);

    /// <summary>
    /// Starts <paramref name="work"/> to run alongside the test body, like Go's <c>go f()</c>: on the thread pool in real
    /// time, as another task on the loop in simulation (where the thread pool would break determinism).
    /// </summary>
    public abstract Task<T> StartConcurrently<T>(Func<Task<T>> work);

    /// <inheritdoc cref="StartConcurrently{T}(Func{Task{T}})"/>
    public Task StartConcurrently(Func<Task> work) => StartConcurrently(async () =>
    {
        await work();
        return true;
    });

    private sealed class RealTimeTestClock : TestClock
    {
        public override TimeProvider Time => TimeProvider.System;

        public override bool IsSimulated => false;

        public override int ChooseSeed() => TestSeed.FromEnvironment("RAFT_TEST_SEED") ?? Random.Shared.Next();

        public override Task RunAsync(ITestOutputHelper output, Func<Task> test) => test();

        public override Task<T> StartConcurrently<T>(Func<Task<T>> work) => Task.Run(work);
    }
}
