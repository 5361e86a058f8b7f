using Raft.Simulation.Linearizability;

namespace Raft.Tests.Linearizability;

/// <summary>Terse construction of hand-built histories.</summary>
internal static class KvHistory
{
    public const long Never = Operation<KvInput, KvOutput>.UnknownReturn;

    public static Operation<KvInput, KvOutput> Get(int client, long call, long ret, string key, string value) =>
        new(client, KvInput.Get(key), call, KvOutput.Of(value), ret);

    public static Operation<KvInput, KvOutput> Put(int client, long call, long ret, string key, string value) =>
        new(client, KvInput.Put(key, value), call, KvOutput.Ack, ret);

    public static Operation<KvInput, KvOutput> Append(int client, long call, long ret, string key, string value) =>
        new(client, KvInput.Append(key, value), call, KvOutput.Ack, ret);

    public static Operation<KvInput, KvOutput> Delete(int client, long call, long ret, string key) =>
        new(client, KvInput.Delete(key), call, KvOutput.Ack, ret);

    public static CheckResult<KvInput, KvOutput> Check(params Operation<KvInput, KvOutput>[] history) =>
        LinearizabilityChecker.Check(KvModel.Instance, history);
}
