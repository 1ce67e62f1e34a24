namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>Last loop id handed out, process-wide (a tag for metrics; never part of a trace).</summary>
    private static int s_lastLoopId;

    /// <summary>Last manager id handed out on this loop.</summary>
    private int _lastManagerId;

    /// <summary>The trace being recorded, if any. Written by StartTrace/Stop from any thread, read on the loop thread.</summary>
    private volatile LoopTrace? _trace;

    /// <summary>
    /// When <see langword="true"/>, children spawned without a name (the plain <c>Spawn(body)</c> /
    /// <c>Schedule(body, delay)</c> forms) also record where they were spawned, for <see cref="DumpTree"/>, by
    /// walking the stack at each spawn. That costs microseconds per spawn, so it is off by default: turn it on while
    /// hunting a hang. Named children (<c>Spawn(body, name)</c>) always record their site, for free. Line numbers
    /// need the caller's PDB; without one the site is the calling method.
    /// </summary>
    public bool CaptureSpawnSites { get; set; }

    /// <summary>A process-wide number for this loop, used to tag metrics.</summary>
    internal int Id { get; } = Interlocked.Increment(ref s_lastLoopId);

    /// <summary>
    /// Work items ready to run (a racy read off the loop thread): the run queue, plus what is left of a shuffled batch
    /// (taken off the queue as a whole, so a FIFO loop's count and a shuffled loop's mean the same).
    /// </summary>
    internal int ReadyCount => _ready.Count + _shuffledLeft;

    /// <summary>The trace being recorded, or null. Checked on hot paths, so it is a plain field read.</summary>
    internal LoopTrace? Trace => _trace;

    /// <summary>Open managers created at the top of the loop (the roots of the task tree). Loop thread only.</summary>
    internal IEnumerable<TaskManager> RootManagers => _rootContext.Nested.ToArray().OfType<TaskManager>();

    /// <summary>
    /// A text picture of everything on this loop right now: every open TaskManager and its children, with each
    /// child's id, name, status, what it is waiting on (a sleep until some time, a join, another task), where it
    /// was spawned (for children spawned with a name) and its age on the loop clock.
    /// </summary>
    /// <returns>The tree, one line per manager or child.</returns>
    /// <remarks>
    /// Exact on the loop thread or while the loop is not running. From another thread while the loop runs (a
    /// watchdog looking at a stuck program, say) it is a best-effort snapshot: the loop keeps changing underneath.
    /// </remarks>
    public string DumpTree() => TreeDumper.Dump(this);

    /// <summary>
    /// Starts recording a <see cref="LoopTrace"/> of this loop: spawns, starts, steps, sleeps, cancellations and
    /// ends, with loop time. Stop it with <see cref="LoopTrace.Stop"/> (or Dispose).
    /// </summary>
    /// <returns>The trace being recorded.</returns>
    /// <exception cref="InvalidOperationException">A trace is already being recorded on this loop.</exception>
    public LoopTrace StartTrace()
    {
        var trace = new LoopTrace(this);
        if (Interlocked.CompareExchange(ref _trace, trace, null) is not null)
            throw new InvalidOperationException("A trace is already being recorded on this loop; stop it before starting another.");
        return trace;
    }

    /// <summary>Called by <see cref="LoopTrace.Stop"/>.</summary>
    internal void DetachTrace(LoopTrace trace) => Interlocked.CompareExchange(ref _trace, null, trace);

    /// <summary>A fresh id for a manager of this loop.</summary>
    internal int NextManagerId() => Interlocked.Increment(ref _lastManagerId);


}
