using System.Collections.Concurrent;
using System.Reflection;
using Raft.Runtime.Metadata;
using Raft.Runtime.Serialization;

namespace Raft.Runtime.References;

/// <summary>
/// Creates grain references for one runtime client (a silo or a cluster client) and lets the serializer
/// carry references across the wire. The first reference to an interface checks that every method's
/// arguments and result can be serialized, so a bad contract fails early with the method named.
/// </summary>
internal sealed class GrainReferenceFactory : IGrainFactory, IGrainReferenceConverter
{
    private readonly ConcurrentDictionary<Type, GrainInterfaceInfo> validated = new();
    private IGrainCallInvoker? invoker;
    private WireSerializer? serializer;

    public void Initialize(IGrainCallInvoker callInvoker, WireSerializer wireSerializer)
    {
        invoker = callInvoker;
        serializer = wireSerializer;
    }

    public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(primaryKey);
        return (TGrainInterface)CreateReference(new GrainId(GrainTypeResolver.ForInterface(typeof(TGrainInterface)), primaryKey), typeof(TGrainInterface));
    }

    public TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey
        => (TGrainInterface)CreateReference(
            new GrainId(GrainTypeResolver.ForInterface(typeof(TGrainInterface)), primaryKey.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            typeof(TGrainInterface));

    public object CreateReference(GrainId id, Type grainInterface)
    {
        var info = validated.GetOrAdd(grainInterface, Validate);
        var proxy = DispatchProxy.Create(grainInterface, typeof(GrainProxy));
        ((GrainProxy)proxy).Initialize(id, info, invoker ?? throw new InvalidOperationException("The runtime client is not started."), this);
        return proxy;
    }

    public bool TryGetGrainId(object reference, out GrainId id, out Type grainInterface)
    {
        if (reference is GrainProxy proxy)
        {
            id = proxy.GrainId;
            grainInterface = proxy.InterfaceType;
            return true;
        }
        id = default;
        grainInterface = typeof(object);
        return false;
    }

    private GrainInterfaceInfo Validate(Type grainInterface)
    {
        var info = GrainInterfaceInfo.For(grainInterface);
        var wire = serializer ?? throw new InvalidOperationException("The runtime client is not started.");
        foreach (var method in info.Methods)
        {
            try
            {
                foreach (var index in method.SerializedParameterIndexes)
                {
                    wire.Validate(method.ParameterTypes[index]);
                }
                if (method.ResultType != typeof(void))
                {
                    wire.Validate(method.ResultType);
                }
            }
            catch (WireSerializationException exception)
            {
                throw new InvalidOperationException($"Grain method {method.Name} cannot be called remotely: {exception.Message}", exception);
            }
        }
        return info;
    }
}
