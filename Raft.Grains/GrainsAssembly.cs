namespace Raft.Grains;

/// <summary>Names this assembly for grain registration: silo.AddGrains(typeof(GrainsAssembly).Assembly).</summary>
public static class GrainsAssembly
{
}
