namespace Raft.Runtime;

/// <summary>Anything that has a grain identity: a grain activation or a reference to one.</summary>
public interface IAddressable
{
}

/// <summary>Marker for grain interfaces.</summary>
public interface IGrain : IAddressable
{
}

/// <summary>A grain addressed by a string key.</summary>
public interface IGrainWithStringKey : IGrain
{
}

/// <summary>A grain addressed by an integer key.</summary>
public interface IGrainWithIntegerKey : IGrain
{
}

/// <summary>Creates references to grains. References are cheap, serializable and location-free.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey;

    TGrainInterface GetGrain<TGrainInterface>(long primaryKey)
        where TGrainInterface : IGrainWithIntegerKey;
}
