using Microsoft.Extensions.Logging;
using Raft.Runtime.Messaging;

namespace Raft.Runtime.Hosting;

/// <summary>
/// The silo's messaging: routes each request to the local catalog or to the silo placement names, each
/// response to the waiting caller here, to another silo, or through the gateway to a client.
/// </summary>
internal sealed class SiloMessageCenter : RuntimeClient
{
    private readonly SiloRuntime runtime;
    private readonly IPlacementDirector placement;
    private readonly IReadOnlyList<string> silos;
    private readonly ILogger logger;

    public SiloMessageCenter(SiloRuntime runtime, IPlacementDirector placement, IReadOnlyList<string> silos, MessagingOptions options, IEnumerable<IOutgoingGrainCallFilter> outgoingFilters)
        : base(runtime.Serializer, runtime.Time, options, outgoingFilters)
    {
        this.runtime = runtime;
        this.placement = placement;
        this.silos = silos;
        logger = runtime.LoggerFactory.CreateLogger("Raft.Runtime.Messaging");
    }

    public IMessageTransport? Transport { get; set; }

    public override string Address => runtime.SiloName;

    public string PlaceGrain(GrainId grainId) => placement.PlaceGrain(grainId, silos);

    public override void Send(Message message)
    {
        if (message.Kind == MessageKind.Response)
        {
            RouteResponse(message);
            return;
        }
        var silo = placement.PlaceGrain(message.Target, silos);
        if (silo == runtime.SiloName)
        {
            DeliverLocally(message);
            return;
        }
        SendTo(silo, message);
    }

    /// <summary>A message arrived from another silo or a client.</summary>
    public void Receive(Message message)
    {
        if (message.Kind == MessageKind.Response)
        {
            RouteResponse(message);
            return;
        }
        var silo = placement.PlaceGrain(message.Target, silos);
        if (silo == runtime.SiloName)
        {
            DeliverLocally(message);
            return;
        }
        // A gateway forwards a client's request to the grain's silo; the response comes back through here.
        try
        {
            SendTo(silo, message.ReplyVia is null && message.ReplyTo != runtime.SiloName ? WithReplyVia(message) : message);
        }
        catch (SiloUnavailableException exception)
        {
            if (message.Kind == MessageKind.Request)
            {
                SendResponse(message, ResponseStatus.Rejected, Rejection.Write(exception));
            }
        }
    }

    public void SendResponse(Message request, ResponseStatus status, ReadOnlyMemory<byte> body)
    {
        RouteResponse(new Message
        {
            Id = request.Id,
            Kind = MessageKind.Response,
            Status = status,
            Target = request.Target,
            Source = request.Source,
            ReplyTo = request.ReplyTo,
            ReplyVia = request.ReplyVia,
            Body = body,
        });
    }

    /// <summary>A message the transport could not send: fail the call here, or reject it back to a remote caller.</summary>
    public void OnUndeliverable(Message message, Exception reason)
    {
        if (message.Kind != MessageKind.Request)
        {
            return;
        }
        if (message.ReplyTo == runtime.SiloName)
        {
            Callbacks.Fail(message.Id, reason);
        }
        else
        {
            SendResponse(message, ResponseStatus.Rejected, Rejection.Write(reason));
        }
    }

    private void DeliverLocally(Message message)
    {
        message.ExpiresAtTimestamp = runtime.Time.GetTimestamp() + (long)(message.Timeout.TotalSeconds * runtime.Time.TimestampFrequency);
        runtime.Catalog.Deliver(message);
    }

    private void RouteResponse(Message response)
    {
        if (response.ReplyTo == runtime.SiloName)
        {
            Callbacks.Complete(response);
            return;
        }
        var next = response.ReplyVia is { } via && via != runtime.SiloName ? via : response.ReplyTo;
        try
        {
            SendTo(next, response);
        }
        catch (SiloUnavailableException exception)
        {
            // The caller is gone; it will time out or has already failed the call.
            logger.LogDebug("Dropped {Response}: {Reason}", response, exception.Message);
        }
    }

    private void SendTo(string destination, Message message)
    {
        var transport = Transport ?? throw new SiloUnavailableException($"Silo {runtime.SiloName} has no transport to reach {destination}.");
        transport.Send(destination, message);
    }

    private Message WithReplyVia(Message message) => new()
    {
        Id = message.Id,
        Kind = message.Kind,
        Status = message.Status,
        Target = message.Target,
        Source = message.Source,
        ReplyTo = message.ReplyTo,
        ReplyVia = runtime.SiloName,
        InterfaceName = message.InterfaceName,
        MethodId = message.MethodId,
        Timeout = message.Timeout,
        Body = message.Body,
    };
}
