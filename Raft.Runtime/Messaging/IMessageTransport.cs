namespace Raft.Runtime.Messaging;

/// <summary>Carries messages between silos and between clients and gateways.</summary>
internal interface IMessageTransport : IAsyncDisposable
{
    /// <summary>Sends without waiting. Throws <see cref="SiloUnavailableException"/> when there is no route.</summary>
    void Send(string destination, Message message);
}
