using System.Diagnostics;

namespace Nursery;

/// <summary>
/// The permutation behind <see cref="LoopOptions.ScheduleSeed"/>: takes a turn's ready batch off the run queue and
/// puts it in an order drawn from the seed. Loop thread only.
/// </summary>
/// <remarks>
/// The generator is SplitMix64, written out here rather than <see cref="Random"/>: a seed printed by a failing test
/// must replay the same schedule on every machine and every future .NET, and <see cref="Random"/>'s seeded sequence
/// is not promised to stay the same across versions. It restarts from the seed at the start of every run, so each
/// run of the same program under the same seed takes the same schedule.
/// </remarks>
internal sealed class ScheduleShuffler(int seed)
{
    /// <summary>The generator's state. Loop thread only.</summary>
    private ulong _state = Start(seed);

    /// <summary>The batch being run, in its shuffled order; slots past the batch are cleared. Loop thread only.</summary>
    private WorkItem[] _batch = new WorkItem[64];

    /// <summary>Starts the sequence again from the seed (a new run).</summary>
    public void Restart() => _state = Start(seed);

    /// <summary>
    /// Moves the first <paramref name="count"/> items of <paramref name="ready"/> into the batch, shuffled
    /// (Fisher-Yates), and returns the batch; the caller runs <c>batch[0..count)</c> and then calls <see cref="Release"/>.
    /// </summary>
    public WorkItem[] Take(WorkQueue ready, int count)
    {
        if (_batch.Length < count) _batch = new WorkItem[Math.Max(count, _batch.Length * 2)];
        var batch = _batch;
        for (var i = 0; i < count; i++)
        {
            var taken = ready.TryDequeue(out batch[i]);
            Debug.Assert(taken, "The batch is never larger than the run queue.");
        }
        for (var i = count - 1; i > 0; i--)
        {
            var j = Below(i + 1);
            (batch[i], batch[j]) = (batch[j], batch[i]);
        }
        return batch;
    }

    /// <summary>Forgets the first <paramref name="count"/> items of the batch, so their callbacks' state can be collected.</summary>
    public void Release(int count) => Array.Clear(_batch, 0, Math.Min(count, _batch.Length));

    /// <summary>A number in [0, <paramref name="bound"/>): the high half of the next output, scaled (Lemire's multiply-shift).</summary>
    private int Below(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);

    /// <summary>SplitMix64's next output.</summary>
    private ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Start(int seed) => unchecked((ulong)(uint)seed * 0xD1B54A32D192ED03UL + 0x2545F4914F6CDD1DUL);
}
