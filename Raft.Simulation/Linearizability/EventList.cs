namespace Raft.Simulation.Linearizability;

/// <summary>
/// The call and return events of one partition, sorted by time (calls before returns at equal times, then by
/// operation index), as a doubly linked list over arrays with a head sentinel. <see cref="Lift"/> unlinks an
/// operation's call and return in O(1) and <see cref="Unlift"/> relinks them (Knuth's dancing links), so the
/// search can undo a step exactly; lifts and unlifts must nest like a stack.
/// </summary>
internal sealed class EventList
{
    public const int Nil = -1;
    private const int HeadNode = 0;

    // Node 0 is the head sentinel; nodes 1..2n are the events in sorted order.
    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly int[] _operation;
    private readonly int[] _returnNode; // for a call node: the node of its return; for a return node: Nil

    private EventList(int nodeCount)
    {
        _next = new int[nodeCount];
        _prev = new int[nodeCount];
        _operation = new int[nodeCount];
        _returnNode = new int[nodeCount];
    }

    /// <summary>The first event still in the list, or <see cref="Nil"/> when every operation is lifted.</summary>
    public int First => _next[HeadNode];

    public bool IsEmpty => _next[HeadNode] == Nil;

    public int Next(int node) => _next[node];

    public bool IsCall(int node) => _returnNode[node] != Nil;

    /// <summary>The index (into the partition's operations) of the operation an event belongs to.</summary>
    public int Operation(int node) => _operation[node];

    /// <summary>Builds the list; operation i spans [calls[i], returns[i]] with calls[i] &lt;= returns[i].</summary>
    public static EventList Build(ReadOnlySpan<long> calls, ReadOnlySpan<long> returns)
    {
        var n = calls.Length;
        var events = new Event[2 * n];
        for (var i = 0; i < n; i++)
        {
            events[2 * i] = new Event(calls[i], IsReturn: false, i);
            events[2 * i + 1] = new Event(returns[i], IsReturn: true, i);
        }
        Array.Sort(events, static (a, b) =>
        {
            var c = a.Time.CompareTo(b.Time);
            if (c != 0)
            {
                return c;
            }
            c = a.IsReturn.CompareTo(b.IsReturn); // calls first
            return c != 0 ? c : a.Operation.CompareTo(b.Operation);
        });

        var list = new EventList(2 * n + 1);
        var callNodeOf = new int[n];
        list._prev[HeadNode] = Nil;
        list._operation[HeadNode] = Nil;
        list._returnNode[HeadNode] = Nil;
        for (var k = 0; k < events.Length; k++)
        {
            var node = k + 1;
            var e = events[k];
            list._prev[node] = node - 1;
            list._next[node - 1] = node;
            list._operation[node] = e.Operation;
            if (e.IsReturn)
            {
                list._returnNode[node] = Nil;
                list._returnNode[callNodeOf[e.Operation]] = node;
            }
            else
            {
                callNodeOf[e.Operation] = node;
            }
        }
        list._next[events.Length] = Nil;
        return list;
    }

    /// <summary>Unlinks a call node and its return node.</summary>
    public void Lift(int callNode)
    {
        Unlink(callNode);
        Unlink(_returnNode[callNode]);
    }

    /// <summary>Relinks what <see cref="Lift"/> unlinked; must undo the most recent lift still in effect.</summary>
    public void Unlift(int callNode)
    {
        Relink(_returnNode[callNode]);
        Relink(callNode);
    }

    private void Unlink(int node)
    {
        var prev = _prev[node];
        var next = _next[node];
        _next[prev] = next;
        if (next != Nil)
        {
            _prev[next] = prev;
        }
    }

    private void Relink(int node)
    {
        var prev = _prev[node];
        var next = _next[node];
        _next[prev] = node;
        if (next != Nil)
        {
            _prev[next] = node;
        }
    }

    private readonly record struct Event(long Time, bool IsReturn, int Operation);
}
