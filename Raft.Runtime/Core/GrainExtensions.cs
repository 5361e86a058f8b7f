using Raft.Runtime.References;

namespace Raft.Runtime;

/// <summary>Key accessors that work on a grain and on a grain reference alike, as in Orleans.</summary>
public static class GrainExtensions
{
    public static GrainId GetGrainId(this IAddressable addressable) => addressable switch
    {
        IGrainBase grain => grain.Activation.GrainId,
        GrainProxy proxy => proxy.GrainId,
        _ => throw new ArgumentException($"{addressable.GetType().Name} is neither a grain nor a grain reference.", nameof(addressable)),
    };

    public static string GetPrimaryKeyString(this IAddressable addressable) => addressable.GetGrainId().Key;

    public static long GetPrimaryKeyLong(this IAddressable addressable)
    {
        var key = addressable.GetGrainId().Key;
        return long.TryParse(key, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"Grain key '{key}' is not an integer key.");
    }

    /// <summary>Casts a reference to another grain interface implemented by the same grain.</summary>
    public static TGrainInterface AsReference<TGrainInterface>(this IAddressable addressable)
        where TGrainInterface : IAddressable
        => addressable switch
        {
            GrainProxy proxy => (TGrainInterface)proxy.Factory.CreateReference(proxy.GrainId, typeof(TGrainInterface)),
            IGrainBase grain => (TGrainInterface)grain.Activation.Runtime.References.CreateReference(grain.Activation.GrainId, typeof(TGrainInterface)),
            _ => throw new ArgumentException($"{addressable.GetType().Name} is neither a grain nor a grain reference.", nameof(addressable)),
        };
}
