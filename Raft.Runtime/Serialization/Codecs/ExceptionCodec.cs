using System.Runtime.ExceptionServices;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Exceptions travel as an Object of { 1: type full name, 2: message, 3: stack trace, 4: inner exception }.
/// A handful of well-known framework exceptions are recreated as themselves; any other type comes back as a
/// <see cref="RemoteException"/>. The remote stack trace is attached so that it shows in the local one.
/// </summary>
internal sealed class ExceptionCodec<T> : WireCodec<T?>
    where T : Exception
{
    private const ulong TypeField = 1;
    private const ulong MessageField = 2;
    private const ulong StackTraceField = 3;
    private const ulong InnerField = 4;

    public static ExceptionCodec<T> Instance { get; } = new();

    public override void Write(ref WireWriter writer, ulong fieldId, T? value)
    {
        if (value is null)
        {
            writer.WriteFieldHeader(fieldId, WireType.Null);
            return;
        }
        var remote = value as RemoteException;
        writer.WriteFieldHeader(fieldId, WireType.Object);
        writer.EnterNested();
        writer.WriteVarUInt64(4);
        writer.WriteFieldHeader(TypeField, WireType.LengthDelimited);
        writer.WriteString(remote?.OriginalType ?? value.GetType().FullName ?? value.GetType().Name);
        writer.WriteFieldHeader(MessageField, WireType.LengthDelimited);
        writer.WriteString(value.Message);
        writer.WriteFieldHeader(StackTraceField, WireType.LengthDelimited);
        writer.WriteString(remote is not null ? remote.RemoteStackTrace : value.StackTrace);
        ExceptionCodec<Exception>.Instance.Write(ref writer, InnerField, value.InnerException);
        writer.ExitNested();
    }

    public override T? Read(ref WireReader reader, WireType wireType)
    {
        if (wireType == WireType.Null)
        {
            return null;
        }
        if (wireType != WireType.Object)
        {
            throw WireErrors.UnexpectedWireType(typeof(T), WireType.Object, wireType);
        }
        reader.EnterNested();
        var count = reader.ReadCount();
        string? typeName = null, message = null, stackTrace = null;
        Exception? inner = null;
        for (var i = 0; i < count; i++)
        {
            var fieldType = reader.ReadFieldHeader(out var field);
            switch (field)
            {
                case TypeField when fieldType == WireType.LengthDelimited:
                    typeName = reader.ReadString();
                    break;
                case MessageField when fieldType == WireType.LengthDelimited:
                    message = reader.ReadString();
                    break;
                case StackTraceField when fieldType == WireType.LengthDelimited:
                    stackTrace = reader.ReadString();
                    break;
                case InnerField:
                    inner = ExceptionCodec<Exception>.Instance.Read(ref reader, fieldType);
                    break;
                default:
                    reader.SkipValue(fieldType);
                    break;
            }
        }
        reader.ExitNested();

        var exception = Create(typeName ?? "System.Exception", message, stackTrace, inner);
        if (!string.IsNullOrEmpty(stackTrace))
        {
            ExceptionDispatchInfo.SetRemoteStackTrace(exception, stackTrace);
        }
        return exception as T ?? throw new WireSerializationException(
            $"A remote {typeName} cannot be read as {TypeNames.Display(typeof(T))}; declare the member as Exception to receive it as a RemoteException.");
    }

    /// <summary>Exactly these types are recreated: callers commonly catch them, and their constructors have no side effects.</summary>
    private static Exception Create(string typeName, string? message, string? stackTrace, Exception? inner) => typeName switch
    {
        "System.TimeoutException" => new TimeoutException(message, inner),
        "System.InvalidOperationException" => new InvalidOperationException(message, inner),
        "System.ArgumentException" => new ArgumentException(message, inner),
        "System.OperationCanceledException" => new OperationCanceledException(message, inner),
        "System.Collections.Generic.KeyNotFoundException" => new KeyNotFoundException(message, inner),
        "System.NotSupportedException" => new NotSupportedException(message, inner),
        // The runtime's own call failures, so that a failure relayed through a grain keeps its meaning.
        "Raft.Runtime.GrainCallException" => new GrainCallException(message ?? "", inner),
        "Raft.Runtime.SiloUnavailableException" => new SiloUnavailableException(message ?? "", inner),
        "Raft.Runtime.MessageLostException" => new MessageLostException(message ?? ""),
        "Raft.Runtime.ActivationKilledException" => new ActivationKilledException(message ?? ""),
        _ => new RemoteException(typeName, message, stackTrace, inner),
    };
}
