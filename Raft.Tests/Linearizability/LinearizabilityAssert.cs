using Raft.Simulation.Linearizability;
using Xunit.Sdk;

namespace Raft.Tests.Linearizability;

/// <summary>The one way the tests accept a checked history.</summary>
internal static class LinearizabilityAssert
{
    /// <summary>
    /// Passes only when the check found a linearization. An illegal history fails with the checker's report; so does an
    /// inconclusive one (<see cref="CheckOutcome.Unknown"/>, the step budget used up), with the steps, the number of
    /// operations and the partition that used them up: a history nobody checked must not pass as a checked one.
    /// </summary>
    public static void Linearizable<TInput, TOutput>(CheckResult<TInput, TOutput> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.IsOk)
        {
            throw new XunitException("Linearizability check failed. " + result.Description);
        }
    }
}
