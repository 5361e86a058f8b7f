namespace Raft.Tests.Peer;

/// <summary>Thrown by <see cref="CopyableMemoryStorage"/> once its write budget is spent.</summary>
internal sealed class SimulatedCrashException() : Exception("simulated crash between record writes");
