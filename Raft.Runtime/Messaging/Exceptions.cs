namespace Raft.Runtime;

/// <summary>A grain call could not be delivered or answered: the target's silo is unknown or down, or it refused the request.</summary>
public class GrainCallException : Exception
{
    public GrainCallException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>The silo that hosts the target grain cannot be reached.</summary>
public sealed class SiloUnavailableException : GrainCallException
{
    public SiloUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A call did not complete because the network between caller and callee lost it (used by the simulated
/// network of the test cluster, where a request or reply may be dropped or the callee may have crashed).
/// </summary>
public sealed class MessageLostException : GrainCallException
{
    public MessageLostException(string message)
        : base(message)
    {
    }
}

/// <summary>The target activation was killed (crashed) before it answered.</summary>
public sealed class ActivationKilledException : GrainCallException
{
    public ActivationKilledException(string message)
        : base(message)
    {
    }
}
