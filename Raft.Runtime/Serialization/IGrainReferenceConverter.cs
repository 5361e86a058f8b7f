namespace Raft.Runtime.Serialization;

/// <summary>
/// Lets grain references (proxies) cross the wire: the serializer writes the grain id and interface, and asks the
/// converter for a proxy when reading. Implemented by the runtime, which owns proxy creation.
/// </summary>
public interface IGrainReferenceConverter
{
    /// <summary>False when <paramref name="reference"/> is not a grain reference this runtime knows.</summary>
    bool TryGetGrainId(object reference, out GrainId id, out Type grainInterface);

    object CreateReference(GrainId id, Type grainInterface);
}
