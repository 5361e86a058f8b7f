namespace Raft.Simulation.Linearizability;

/// <summary>How much of its step budget a check used, and on how big a history.</summary>
/// <param name="Steps">Search steps taken, over every partition searched.</param>
/// <param name="MaxSteps">The budget the check was given.</param>
/// <param name="Operations">Operations in the whole history.</param>
public readonly record struct CheckBudget(long Steps, long MaxSteps, int Operations);
