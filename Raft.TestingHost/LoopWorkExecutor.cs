using Raft.Runtime.Scheduling;
using Raft.Simulation;

namespace Raft.TestingHost;

/// <summary>Runs the grain runtime's activation drains on a simulation loop.</summary>
internal sealed class LoopWorkExecutor(SimulationLoop loop) : IWorkExecutor
{
    public void Execute(IThreadPoolWorkItem workItem) => loop.Post(workItem);
}
