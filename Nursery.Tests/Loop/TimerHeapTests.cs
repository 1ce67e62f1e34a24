using System.Globalization;

namespace Nursery.Tests.Loop;

/// <summary>The internal timer heap on its own: (deadline, sequence) order, removal, due checks.</summary>
public class TimerHeapTests
{
    private static List<string> PopAll(TimerHeap heap, TimeSpan now)
    {
        var popped = new List<string>();
        while (heap.TryPopDue(now, heap.NextSequence, out var target, out _)) popped.Add(((RecordingTimerTarget)target).Name);
        return popped;
    }

    [Fact]
    public void TryPopDue_EntriesAddedOutOfOrder_PopsByDeadlineThenBySequence()
    {
        var heap = new TimerHeap();
        heap.Add(new RecordingTimerTarget("c@3"), S(3));
        heap.Add(new RecordingTimerTarget("a@1"), S(1));
        heap.Add(new RecordingTimerTarget("d@3"), S(3));
        heap.Add(new RecordingTimerTarget("b@1"), S(1));
        heap.Add(new RecordingTimerTarget("z@0"), TimeSpan.Zero);

        Assert.Equal(["z@0", "a@1", "b@1", "c@3", "d@3"], PopAll(heap, S(10)));
        Assert.Equal(0, heap.Count);
    }

    [Fact]
    public void TryPopDue_EarliestNotDueYet_ReturnsFalseAndKeepsIt()
    {
        var heap = new TimerHeap();
        heap.Add(new RecordingTimerTarget("later"), S(2));

        Assert.False(heap.TryPopDue(S(1), heap.NextSequence, out _, out _));
        Assert.Equal(1, heap.Count);
        Assert.Equal(S(2), heap.NextDeadline);
        Assert.True(heap.TryPopDue(S(2), heap.NextSequence, out _, out _)); // a deadline equal to now is due
    }

    [Fact]
    public void TryPopDue_EntrySetAtOrAfterTheCutOff_WaitsEvenWhenDue()
    {
        var heap = new TimerHeap();
        heap.Add(new RecordingTimerTarget("old"), S(1));
        var cutOff = heap.NextSequence;
        heap.Add(new RecordingTimerTarget("new, earlier"), TimeSpan.Zero);

        // The earliest entry was set after the cut-off, so nothing pops this round, even though "old" is due too:
        // the heap only ever offers its head.
        Assert.False(heap.TryPopDue(S(5), cutOff, out _, out _));
        Assert.Equal(["new, earlier", "old"], PopAll(heap, S(5)));
    }

    [Fact]
    public void NextSequence_IncreasesWithEveryAdd()
    {
        var heap = new TimerHeap();
        var first = heap.NextSequence;
        heap.Add(new RecordingTimerTarget("a"), S(1));
        heap.Add(new RecordingTimerTarget("b"), S(1));
        Assert.Equal(first + 2, heap.NextSequence);
    }

    [Fact]
    public void Remove_EntriesFromTheMiddle_KeepsTheRestInOrderAndResetsTheirIndex()
    {
        var heap = new TimerHeap();
        var targets = Enumerable.Range(0, 40).Select(i => new RecordingTimerTarget($"t{i:00}")).ToList();
        for (var i = 0; i < targets.Count; i++) heap.Add(targets[i], Ms((i * 7) % 13));

        var removed = targets.Where((_, i) => i % 3 == 1).ToList();
        foreach (var target in removed) heap.Remove(target);

        Assert.All(removed, t => Assert.Equal(-1, t.TimerIndex));
        var expected = targets
            .Select((t, i) => (t.Name, Deadline: Ms((i * 7) % 13), Sequence: i))
            .Where((_, i) => i % 3 != 1)
            .OrderBy(e => e.Deadline).ThenBy(e => e.Sequence)
            .Select(e => e.Name);
        Assert.Equal(expected, PopAll(heap, S(1)));
    }

    [Fact]
    public void Remove_TargetNotInTheHeap_DoesNothing()
    {
        var heap = new TimerHeap();
        var inside = new RecordingTimerTarget("inside");
        heap.Add(inside, S(1));
        heap.Remove(new RecordingTimerTarget("never added"));
        heap.Remove(inside);
        heap.Remove(inside);
        Assert.Equal(0, heap.Count);
    }

    [Fact]
    public void Remove_ThenAddAgain_GetsANewSequenceNumber()
    {
        var heap = new TimerHeap();
        var first = new RecordingTimerTarget("first");
        heap.Add(first, S(1));
        heap.Add(new RecordingTimerTarget("second"), S(1));
        heap.Remove(first);
        heap.Add(first, S(1)); // re-armed: now behind "second"
        Assert.Equal(["second", "first"], PopAll(heap, S(1)));
    }

    [Fact]
    public void Clear_WithEntries_EmptiesTheHeapAndResetsEveryIndex()
    {
        var heap = new TimerHeap();
        var targets = Enumerable.Range(0, 20).Select(i => new RecordingTimerTarget($"t{i}")).ToList();
        foreach (var t in targets) heap.Add(t, S(1));
        heap.Clear();
        Assert.Equal(0, heap.Count);
        Assert.All(targets, t => Assert.Equal(-1, t.TimerIndex));
        heap.Add(targets[0], S(1)); // usable again
        Assert.Equal(["t0"], PopAll(heap, S(1)));
    }

    // Found by mutation testing (docs/testing.md): DeadlineOf must check the slot index against the heap's count, not
    // only against the array: a target of another heap can carry any index, including one just past this heap's end.
    [Fact]
    public void DeadlineOf_ATargetOfAnotherHeapWithAnIndexJustPastThisHeapsEnd_IsNull()
    {
        var heap = new TimerHeap();
        for (var i = 0; i < 16; i++) heap.Add(new RecordingTimerTarget($"t{i}"), S(i)); // the array is exactly full
        var other = new TimerHeap();
        for (var i = 0; i < 16; i++) other.Add(new RecordingTimerTarget($"o{i}"), S(i));
        var stranger = new RecordingTimerTarget("stranger");
        other.Add(stranger, S(100)); // the latest deadline: it stays in the last slot, index 16 of the other heap

        Assert.Equal(16, stranger.TimerIndex);
        Assert.Null(heap.DeadlineOf(stranger));
        Assert.Equal(S(100), other.DeadlineOf(stranger));
    }

    [Fact]
    public void ManyEntries_AcrossStorageSegments_PopInOrderAndRemoveFromAnywhere()
    {
        // More entries than one storage segment holds (2,048), with deadlines in a scrambled order.
        var heap = new TimerHeap();
        var targets = Enumerable.Range(0, 5000).Select(i => new RecordingTimerTarget($"t{i}")).ToList();
        foreach (var t in targets) heap.Add(t, Ms(int.Parse(t.Name[1..], CultureInfo.InvariantCulture) * 7919 % 5000));
        var removed = targets.Where((_, i) => i % 3 == 0).ToList();
        foreach (var t in removed) heap.Remove(t);

        var expected = targets.Except(removed).OrderBy(t => int.Parse(t.Name[1..], CultureInfo.InvariantCulture) * 7919 % 5000).Select(t => t.Name);
        Assert.Equal(expected, PopAll(heap, S(10)));
        Assert.All(targets, t => Assert.Equal(-1, t.TimerIndex));
    }
}
