using Raft.Tests.Simulation;
using Xunit.Abstractions;

namespace Raft.Tests.KeyValue;

/// <summary>
/// The key-value service tests in deterministic simulation: the same test code as <see cref="KvServiceTests"/>, its
/// time bounds (e.g. under 33 ms per sequential operation) checked in virtual time. Seed 1 unless RAFT_SIM_SEED says.
/// </summary>
public sealed class KvServiceTestsSimulated(ITestOutputHelper output) : KvServiceTests(output, new SimulatedTestClock(seed: 1));
