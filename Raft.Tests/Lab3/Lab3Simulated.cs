using Raft.Tests.Simulation;
using Xunit.Abstractions;

namespace Raft.Tests.Lab3;

// The 28 lab 3 tests in deterministic simulation: the same test code as Lab3A–D, on one thread in virtual time, so the
// course's time bounds are checked in virtual time and a run is a function of its seed (printed with the trace hash;
// RAFT_SIM_SEED replays or explores another). The whole set takes seconds of wall time instead of minutes.

/// <summary>Lab 3A in simulation.</summary>
public sealed class Lab3ASimulated(ITestOutputHelper output) : Lab3A(output, new SimulatedTestClock(Lab3SimulationSeed.Default));

/// <summary>Lab 3B in simulation.</summary>
public sealed class Lab3BSimulated(ITestOutputHelper output) : Lab3B(output, new SimulatedTestClock(Lab3SimulationSeed.Default));

/// <summary>Lab 3C in simulation.</summary>
public sealed class Lab3CSimulated(ITestOutputHelper output) : Lab3C(output, new SimulatedTestClock(Lab3SimulationSeed.Default));

/// <summary>Lab 3D in simulation.</summary>
public sealed class Lab3DSimulated(ITestOutputHelper output) : Lab3D(output, new SimulatedTestClock(Lab3SimulationSeed.Default));

/// <summary>The seed every simulated lab 3 test runs with unless RAFT_SIM_SEED overrides it.</summary>
internal static class Lab3SimulationSeed
{
    public const int Default = 1;
}
