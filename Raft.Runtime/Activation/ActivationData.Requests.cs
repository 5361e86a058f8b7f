using Raft.Runtime.Hosting;
using Microsoft.Extensions.Logging;
using Raft.Runtime.Metadata;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Activation;

internal sealed partial class ActivationData
{
    private readonly Dictionary<(string ReplyTo, long MessageId), IncomingRequest> cancellable = new();

    public void TrackCancellable(IncomingRequest request)
    {
        lock (gate)
        {
            cancellable[(request.ReplyTo, request.MessageId)] = request;
        }
    }

    public void UntrackCancellable(IncomingRequest request)
    {
        lock (gate)
        {
            cancellable.Remove((request.ReplyTo, request.MessageId));
        }
    }

    /// <summary>The caller gave up on a request: cancel its token if the method takes one.</summary>
    public void CancelRequest(string replyTo, long messageId)
    {
        IncomingRequest? request;
        lock (gate)
        {
            cancellable.TryGetValue((replyTo, messageId), out request);
        }
        request?.Cancel();
    }

    /// <summary>As in Orleans, an InconsistentStateException escaping a grain method deactivates the activation.</summary>
    public void OnRequestFailed(GrainMethodInfo method, Exception exception)
    {
        if (exception is InconsistentStateException)
        {
            logger.LogWarning(exception, "{Method} on {GrainId} hit a storage conflict; deactivating", method.Name, GrainId);
            RequestDeactivation(new DeactivationReason(DeactivationReasonCode.ApplicationError, "InconsistentStateException escaped a grain method."));
        }
    }
}
