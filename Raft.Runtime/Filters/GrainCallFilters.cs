using System.Reflection;

namespace Raft.Runtime;

/// <summary>What a grain call filter sees of a call, on either side.</summary>
public interface IGrainCallContext
{
    /// <summary>The calling grain's id, or null when the caller is not a grain (a client, the host, a test).</summary>
    GrainId? SourceId { get; }

    GrainId TargetId { get; }

    Type InterfaceType { get; }

    MethodInfo InterfaceMethod { get; }

    /// <summary>"Interface.Method", for logs.</summary>
    string MethodName { get; }

    /// <summary>The call's arguments (the CancellationToken, if any, included). Treat as read-only.</summary>
    object?[] Arguments { get; }

    /// <summary>The result, set once the call completed successfully.</summary>
    object? Result { get; set; }

    /// <summary>Runs the rest of the pipeline: the next filter, and finally the call itself.</summary>
    Task Invoke();
}

/// <summary>A call as seen by the caller's silo or client before it is sent.</summary>
public interface IOutgoingGrainCallContext : IGrainCallContext
{
    /// <summary>The size of the serialized request body in bytes.</summary>
    int RequestSize { get; }

    /// <summary>The size of the serialized response body in bytes, once a response arrived.</summary>
    int ResponseSize { get; }
}

/// <summary>A call as seen by the target's silo before the grain method runs.</summary>
public interface IIncomingGrainCallContext : IGrainCallContext
{
    /// <summary>The grain instance the call is about to run on.</summary>
    object Grain { get; }
}

/// <summary>Runs around every call a silo's grains (or a client) make. Can delay, fail or drop the call.</summary>
public interface IOutgoingGrainCallFilter
{
    Task Invoke(IOutgoingGrainCallContext context);
}

/// <summary>Runs around every call a silo's grains receive, on the target activation's turn.</summary>
public interface IIncomingGrainCallFilter
{
    Task Invoke(IIncomingGrainCallContext context);
}
