using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A cooperative, single-threaded scheduler: a FIFO run queue, a timer min-heap and a clock, driven by
/// <see cref="Run(Func{Task})"/> on the calling thread.
/// </summary>
/// <remarks>
/// <para>
/// Every continuation of code started by <see cref="Run(Func{Task})"/> (or by a <see cref="TaskManager"/> child)
/// runs on the loop thread: the loop installs its own <see cref="SynchronizationContext"/>, and exposes a
/// <see cref="System.Threading.Tasks.TaskScheduler"/> for explicit use. Completions from other threads
/// (thread-pool work, OS timers) arrive through a thread-safe inbox that wakes the loop; an idle loop blocks
/// and uses no CPU.
/// </para>
/// <para>
/// With a <see cref="VirtualClock"/>, the same program gives the same order of events on every run.
/// </para>
/// </remarks>
[DebuggerDisplay("EventLoop: running = {IsRunning}, now = {Now}, ready = {_ready.Count}, timers = {_timers.Count}")]
public sealed partial class EventLoop : IDisposable
{
    /// <summary>The loop running on this thread, if any.</summary>
    [ThreadStatic]
    private static EventLoop? t_current;

    /// <summary>Ready work in FIFO order. Loop thread only.</summary>
    private readonly WorkQueue _ready = new();

    /// <summary>Pending timers. Loop thread only.</summary>
    private readonly TimerHeap _timers = new();

    /// <summary>Work and wake-ups from other threads.</summary>
    private readonly LoopInbox _inbox = new();

    /// <summary>1 while <see cref="Run(Func{Task})"/> is driving the loop. Interlocked.</summary>
    private int _running;

    /// <summary>Set by <see cref="Dispose"/>.</summary>
    private volatile bool _disposed;

    /// <summary>The clock's time when the current turn began. Loop thread only; a cheap, turn-grained "now".</summary>
    private TimeSpan _turnTime;

    /// <summary>The root context of the current run (see <see cref="RootContext"/>). Replaced when a run starts.</summary>
    private volatile RootContext _rootContext;

    /// <summary>Turns taken so far. Loop thread only.</summary>
    private long _turnNumber;

    /// <summary>Shuffles each turn's ready batch when the options give a seed; null for FIFO order.</summary>
    private readonly ScheduleShuffler? _shuffler;

    /// <summary>Last id handed out to a child; ids are per loop, so traces of a virtual-time run repeat exactly.</summary>
    private int _lastId;

    /// <summary>Called once when the current <see cref="Run(Func{Task})"/> ends, then forgotten. Loop thread only.</summary>
    private Action? _runEnding;

    /// <summary>Creates a loop on the real, monotonic <see cref="SystemClock"/>, with the default options (see <see cref="EventLoop(LoopClock)"/>).</summary>
    /// <exception cref="InvalidOperationException"><c>NURSERY_SCHEDULE_SEED</c> is set but is not an integer.</exception>
    public EventLoop()
        : this(new SystemClock())
    {
    }

    /// <summary>Creates a loop on <paramref name="clock"/> (for example a <see cref="VirtualClock"/>).</summary>
    /// <param name="clock">The clock every timer of this loop follows.</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    /// <remarks>
    /// The loop gets the default <see cref="LoopOptions"/>, except that the environment variable
    /// <c>NURSERY_SCHEDULE_SEED</c>, when set to an integer, becomes its <see cref="LoopOptions.ScheduleSeed"/>: run a
    /// whole test suite under a seed without changing a line of it.
    /// </remarks>
    /// <exception cref="InvalidOperationException"><c>NURSERY_SCHEDULE_SEED</c> is set but is not an integer.</exception>
    public EventLoop(LoopClock clock)
        : this(clock, LoopOptions.FromEnvironment())
    {
    }

    /// <summary>Creates a loop on <paramref name="clock"/> with diagnosis and determinism options.</summary>
    /// <param name="clock">The clock every timer of this loop follows.</param>
    /// <param name="options">Schedule shuffling, deadlock detection, slow-callback detection.</param>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> or <paramref name="options"/> is null.</exception>
    public EventLoop(LoopClock clock, LoopOptions options)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        Clock = clock;
        Options = options;
        _slowCallbackTicks = ToStopwatchTicks(options.SlowCallbackThreshold);
        _shuffler = options.ScheduleSeed is { } seed ? new ScheduleShuffler(seed) : null;
        _onVirtualClock = clock is VirtualClock;
        _rootContext = new RootContext(this);
        TimeProvider = new LoopTimeProvider(this);
        TaskScheduler = new LoopTaskScheduler(this);
        clock.Attach(this);
    }

    /// <summary>The loop whose thread the caller is on, or <see langword="null"/> off any loop.</summary>
    public static EventLoop? Current => t_current;

    /// <summary>The clock this loop's timers follow.</summary>
    public LoopClock Clock { get; }

    /// <summary>The current time on <see cref="Clock"/>.</summary>
    public TimeSpan Now => Clock.Now;

    /// <summary>Whether <see cref="Run(Func{Task})"/> is driving the loop right now (on whichever thread).</summary>
    public bool IsRunning => Volatile.Read(ref _running) == 1;

    /// <summary>
    /// The loop's clock as a <see cref="System.TimeProvider"/>: <c>Task.Delay(d, loop.TimeProvider)</c>,
    /// <c>new CancellationTokenSource(d, loop.TimeProvider)</c>, Polly and anything else that takes a
    /// <see cref="System.TimeProvider"/> follow loop time (virtual time included). Its timers fire on the loop thread.
    /// </summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>
    /// A scheduler that runs tasks on the loop thread, for <c>Task.Factory.StartNew(.., loop.TaskScheduler)</c>
    /// and <c>ContinueWith(.., loop.TaskScheduler)</c>. Plain <c>await</c> does not need it.
    /// </summary>
    public TaskScheduler TaskScheduler { get; }

    /// <summary>The seed that shuffles each turn's ready work (see <see cref="LoopOptions.ScheduleSeed"/>); null: FIFO.</summary>
    public int? ScheduleSeed => Options.ScheduleSeed;

    /// <summary>
    /// The context for code that belongs to no child (main, timer callbacks) in the current run. Each run has its own:
    /// work posted to an earlier run's root is dropped, never run late.
    /// </summary>
    internal RootContext RootContext => _rootContext;

    /// <summary>How many turns the loop has taken (a cheap clock for "in an earlier turn"). Loop thread only.</summary>
    internal long TurnNumber => _turnNumber;

    /// <summary>The clock's time when the current turn began: a cheap, turn-grained "now" for bookkeeping. Loop thread only.</summary>
    internal TimeSpan TurnTime => _turnTime;

    /// <summary>The timer heap. Loop thread only.</summary>
    internal TimerHeap Timers => _timers;

    /// <summary>
    /// Releases the loop. The loop must not be running; afterwards <see cref="Run(Func{Task})"/> throws
    /// <see cref="ObjectDisposedException"/>. Calling it again does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop is running.</exception>
    public void Dispose()
    {
        if (_disposed) return;
        if (IsRunning) throw new InvalidOperationException("An EventLoop cannot be disposed while it is running; let Run return first.");
        _disposed = true;
        _inbox.Close();
        Clock.Detach(this);
    }

    /// <summary>A fresh id for a child of this loop.</summary>
    internal int NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>
    /// <see cref="Now"/> plus <paramref name="delay"/>, saturating: a deadline past what the clock can show is never
    /// reached (<see cref="LoopClock.DeadlineAfter"/>), so <c>Sleep(TimeSpan.MaxValue)</c> sleeps until cancelled.
    /// </summary>
    internal TimeSpan DeadlineAfter(TimeSpan delay) => Clock.DeadlineAfter(Now, delay);

    /// <summary>Whether no work from other threads is waiting to be taken in (more may arrive at any moment). Any thread.</summary>
    internal bool InboxIsEmpty => _inbox.IsEmpty;

    /// <summary>
    /// Queues work from any thread: straight onto the run queue on the loop thread, through the inbox elsewhere. Work
    /// posted while the loop is not running is dropped: it belongs to a run that has ended (abandoned code never resumes).
    /// </summary>
    internal void Post(in WorkItem item)
    {
        if (t_current == this) _ready.Enqueue(item);
        else _inbox.Post(item);
    }

    /// <summary>Queues a timer's schedule change from another thread; kept for the next run if the loop is not running.</summary>
    internal void PostTimerChange(in WorkItem item) => _inbox.PostTimerChange(item);

    /// <summary>Queues work at the back of the run queue. Loop thread only.</summary>
    internal void Enqueue(in WorkItem item)
    {
        Debug.Assert(t_current == this, "The run queue belongs to the loop thread.");
        _ready.Enqueue(item);
    }

    /// <summary>Wakes an idle loop so it looks at its clock and main task again. Any thread.</summary>
    internal void Wake() => _inbox.Wake();

    /// <summary>
    /// Registers <paramref name="callback"/> to run on the loop thread when the current <see cref="Run(Func{Task})"/>
    /// ends, before the loop drops its leftover work: a host that borrows the loop releases its callers there
    /// instead of leaving their tasks pending forever. The callback must not throw. Loop thread only.
    /// </summary>
    internal void AddRunEnding(Action callback)
    {
        Debug.Assert(t_current == this, "Run-ending callbacks belong to the running loop.");
        _runEnding += callback;
    }

    /// <summary>Removes a callback added by <see cref="AddRunEnding"/>. Loop thread only.</summary>
    internal void RemoveRunEnding(Action callback)
    {
        Debug.Assert(t_current == this, "Run-ending callbacks belong to the running loop.");
        _runEnding -= callback;
    }
}
