using System.Diagnostics;

namespace Nursery;

/// <summary>
/// A loop host that owns an <see cref="EventLoop"/> running on a dedicated background thread: synchronous code
/// (worker threads, a console <c>Main</c>, a plugin callback) submits async work to it and gets a task back.
/// </summary>
/// <remarks>
/// <para>
/// The thread starts on <see cref="EnsureRunning"/> or the first <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/>; it is named (see
/// <see cref="Name"/>) so it shows in debuggers and thread dumps, and it is a background thread, so a host
/// nobody stopped does not keep the process alive. <see cref="Stop"/> (or <see cref="Dispose"/>) cancels the
/// work in flight, joins it, and ends the thread. A stopped host does not restart: make a new one.
/// </para>
/// <para>
/// Work runs as children of the host's root <see cref="TaskManager"/>: it gets a token that fires when the host
/// stops, its <see cref="EventLoop.Sleep(TimeSpan)"/> / <see cref="EventLoop.Yield"/> checkpoints observe that
/// cancellation, and the <see cref="ExecutionContext"/> of the submitting code flows into it (as with
/// <c>Task.Run</c>). A failing work item fails only its own task; the host keeps serving.
/// </para>
/// <para>
/// Work that ignores cancellation is given <see cref="StopTimeout"/> to end once the host stops; after that its
/// caller's task ends cancelled and the loop stops without it (its code never resumes).
/// </para>
/// </remarks>
[DebuggerDisplay("LoopThread {Name}: running = {IsRunning}")]
public sealed class LoopThread : ILoopHost
{
    private const int NotStarted = 0;
    private const int Starting = 1;
    private const int Running = 2;
    private const int Stopped = 3;

    /// <summary>Numbers the threads' names.</summary>
    private static int s_lastId;

    /// <summary>The loop this host runs.</summary>
    private readonly EventLoop _loop;

    /// <summary>Whether the host created the loop (and disposes it once stopped).</summary>
    private readonly bool _ownsLoop;

    /// <summary>Root manager, submission queue and orderly end.</summary>
    private readonly HostScope _scope;

    /// <summary>Guards the transitions out of NotStarted (start, or stop before start).</summary>
    private readonly Lock _gate = new();

    /// <summary>Set once the start has succeeded or failed (or the host was stopped before it started).</summary>
    private readonly ManualResetEventSlim _ready = new();

    /// <summary>Set once the loop thread has finished, or the host was stopped before it started.</summary>
    private readonly ManualResetEventSlim _stopped = new();

    /// <summary>NotStarted, Starting, Running or Stopped. Written under <see cref="_gate"/> or by the loop thread; read anywhere.</summary>
    private int _state;

    /// <summary>1 once <see cref="Dispose"/> has run. Interlocked.</summary>
    private int _disposed;

    /// <summary>Why the loop could not start. Written before <see cref="_ready"/> is set.</summary>
    private Exception? _startFailure;

    /// <summary>A failure of the loop's own Run after it started. Written before <see cref="_stopped"/> is set.</summary>
    private Exception? _runFailure;

    /// <summary>Creates a host; its thread starts on <see cref="EnsureRunning"/> or the first <see cref="Submit{T}(Func{CancellationToken, Task{T}}, string?)"/>.</summary>
    /// <param name="clock">The loop's clock; <see langword="null"/> for a <see cref="SystemClock"/>.</param>
    /// <param name="taskType">
    /// When set, the host accepts only <c>Submit(work, taskType)</c> with this same type (an untyped
    /// <c>Submit</c> is refused too) and throws <see cref="UnknownTaskTypeException"/> otherwise. When
    /// <see langword="null"/>, it accepts any work.
    /// </param>
    public LoopThread(LoopClock? clock = null, string? taskType = null)
        : this(new EventLoop(clock ?? new SystemClock()), ownsLoop: true, taskType, name: null)
    {
    }

    /// <summary>
    /// Creates a host whose loop is made with <paramref name="options"/>: slow-callback detection
    /// (<see cref="SlowCallback"/>), a schedule seed. Deadlock detection never applies to a host's loop, which waits for
    /// submissions by design.
    /// </summary>
    /// <param name="options">The options of the host's loop.</param>
    /// <param name="clock">The loop's clock; <see langword="null"/> for a <see cref="SystemClock"/>.</param>
    /// <param name="taskType">The only task type the host accepts, or <see langword="null"/> for any (see <see cref="LoopThread(LoopClock?, string?)"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public LoopThread(LoopOptions options, LoopClock? clock = null, string? taskType = null)
        : this(new EventLoop(clock ?? new SystemClock(), options ?? throw new ArgumentNullException(nameof(options))), ownsLoop: true, taskType, name: null)
    {
    }

    /// <summary>Creates a host over <paramref name="loop"/> (shared loops reuse one loop across runs).</summary>
    internal LoopThread(EventLoop loop, bool ownsLoop, string? taskType, string? name)
    {
        _loop = loop;
        _ownsLoop = ownsLoop;
        TaskType = taskType;
        var id = Interlocked.Increment(ref s_lastId);
        Name = name ?? (taskType is null ? $"Nursery loop {id}" : $"Nursery loop {id} ({taskType})");
        _scope = new HostScope(loop, $"LoopThread \"{Name}\"");
        var creator = Thread.CurrentThread;
        CreatedOnThread = creator.IsThreadPoolThread
            ? $"thread-pool thread #{creator.ManagedThreadId}"
            : $"thread \"{creator.Name ?? "unnamed"}\" (#{creator.ManagedThreadId})";
        // The loop belongs to this host now: never reported as deadlocked, and its tree dump names the host.
        loop.Host = this;
    }

    /// <summary>
    /// Raised on the loop thread after a step of loop code that held the loop longer than the
    /// <see cref="LoopOptions.SlowCallbackThreshold"/> of the host's <see cref="Options"/> (see
    /// <see cref="EventLoop.SlowCallback"/>). Subscribing does not start the host.
    /// </summary>
    public event EventHandler<SlowCallbackEventArgs>? SlowCallback
    {
        add => _loop.SlowCallback += value;
        remove => _loop.SlowCallback -= value;
    }

    /// <summary>The options of the host's loop.</summary>
    public LoopOptions Options => _loop.Options;

    /// <summary>
    /// The thread that created the host, for <see cref="ToString"/> and <see cref="LoopRegistry.Hosts"/>: its name and
    /// managed id, for example <c>thread "main" (#1)</c> or <c>thread-pool thread #7</c>.
    /// </summary>
    public string CreatedOnThread { get; }

    /// <summary>The id <see cref="LoopRegistry.GetOrCreate"/> created this host for; see <see cref="IsRegistered"/>.</summary>
    public object? RegistryId { get; private set; }

    /// <summary>
    /// Whether <see cref="LoopRegistry.GetOrCreate"/> created this host (for <see cref="RegistryId"/>, which may be the
    /// default id <see langword="null"/>); false for a host made with <c>new LoopThread(...)</c> or by a
    /// <see cref="SharedLoop"/> or <see cref="Dispatcher"/>.
    /// </summary>
    public bool IsRegistered { get; private set; }

    /// <summary>Where the host is in its life. Any thread; a snapshot.</summary>
    public LoopHostState State => Volatile.Read(ref _state) switch
    {
        NotStarted => LoopHostState.NotStarted,
        Starting => LoopHostState.Starting,
        Running when _scope.IsStopRequested => LoopHostState.Stopping,
        Running => LoopHostState.Running,
        _ => LoopHostState.Stopped,
    };

    /// <summary>Records the id the registry created this host for.</summary>
    internal void MarkRegistered(object? id)
    {
        RegistryId = id;
        IsRegistered = true;
    }

    /// <summary>The name of the loop thread, as debuggers and thread dumps show it.</summary>
    public string Name { get; }

    /// <summary>The only task type this host accepts, or <see langword="null"/> when it accepts any.</summary>
    public string? TaskType { get; }

    /// <summary>
    /// How long <see cref="Stop"/> waits for cancelled work to end before giving up on it: its caller's task then
    /// ends cancelled and the loop stops without it. Real time, whatever the loop's clock (it guards against work
    /// that ignores cancellation). Default 5 seconds; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative (other than infinite).</exception>
    public TimeSpan StopTimeout
    {
        get => _scope.StopTimeout;
        init => _scope.StopTimeout = value;
    }

    /// <summary>
    /// The host's event loop. Reading it starts the loop if it is not started yet (and not stopped); a stopped
    /// host returns its loop as it is.
    /// </summary>
    /// <exception cref="LoopHostException">The loop had to be started and could not be.</exception>
    public EventLoop Loop
    {
        get
        {
            StartAndWait();
            return _loop;
        }
    }

    /// <summary>Whether the loop thread is running and the host accepts work (false once <see cref="Stop"/> has been requested).</summary>
    public bool IsRunning => Volatile.Read(ref _state) == Running && !_scope.IsStopRequested;

    /// <summary>The loop, without starting it.</summary>
    internal EventLoop LoopUnchecked => _loop;

    /// <summary>Whether Stop has been requested (or the host stopped on its own).</summary>
    internal bool IsStopRequested => _scope.IsStopRequested;

    /// <summary>Whether the loop thread has finished (or the host was stopped before it started).</summary>
    internal bool HasStopped => _stopped.IsSet;

    /// <summary>Starts the loop thread if needed and returns once the loop is running and ready for work. Idempotent.</summary>
    /// <exception cref="LoopHostException">The loop thread could not be started.</exception>
    /// <exception cref="ObjectDisposedException">The host has been stopped; a stopped host does not restart.</exception>
    public void EnsureRunning()
    {
        StartAndWait();
        if (_scope.IsStopRequested) throw HostErrors.Stopped(this, Name);
    }

    /// <inheritdoc />
    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, string? taskType = null) => Submit(work, CancellationToken.None, taskType);

    /// <inheritdoc />
    public Task Submit(Func<CancellationToken, Task> work, string? taskType = null) => Submit(work, CancellationToken.None, taskType);

    /// <inheritdoc />
    public Task<T> Submit<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckTaskType(taskType);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        // Not running yet: start (the first submission starts the host); after a failed start, report why.
        if (Volatile.Read(ref _state) != Running && TryStart() is { } failure) return Task.FromException<T>(failure);
        return _scope.Submit(work, cancellationToken);
    }

    /// <inheritdoc />
    public Task Submit(Func<CancellationToken, Task> work, CancellationToken cancellationToken, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        CheckTaskType(taskType);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        if (Volatile.Read(ref _state) != Running && TryStart() is { } failure) return Task.FromException(failure);
        return _scope.Submit(work, cancellationToken);
    }

    /// <summary>
    /// Starts <paramref name="body"/> on the loop as a child of the host's root manager and completes when it calls
    /// <see cref="StartSignal{T}.Started"/>: for a synchronous caller that must wait until a service on the loop is
    /// ready (a server listening). Until Started, an exception from the body comes out of the returned task; after it,
    /// the body is ordinary host work, stopped with the host. See <see cref="TaskManager.StartAsync{T}"/>.
    /// </summary>
    /// <typeparam name="T">The value the body hands over.</typeparam>
    /// <param name="body">The service; it receives the signal and a token that fires when the host stops.</param>
    /// <param name="readyTimeout">How long the body may take to call Started; null for no limit.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>A task for the value passed to Started (block on it with <c>GetAwaiter().GetResult()</c> off the loop).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readyTimeout"/> is negative.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
    public Task<T> StartAsync<T>(Func<StartSignal<T>, CancellationToken, Task> body, TimeSpan? readyTimeout = null, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (readyTimeout is { } timeout && timeout < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(readyTimeout), timeout);
        CheckTaskType(taskType);
        if (Volatile.Read(ref _state) != Running && TryStart() is { } failure) return Task.FromException<T>(failure);
        return _scope.Submit(_ => _scope.Root.StartAsync(body, readyTimeout), CancellationToken.None);
    }

    /// <summary>
    /// Starts <paramref name="body"/> on the loop and completes when it calls <see cref="StartSignal.Started"/>. See
    /// <see cref="StartAsync{T}(Func{StartSignal{T}, CancellationToken, Task}, TimeSpan?, string?)"/>.
    /// </summary>
    /// <param name="body">The service; it receives the signal and a token that fires when the host stops.</param>
    /// <param name="readyTimeout">How long the body may take to call Started; null for no limit.</param>
    /// <param name="taskType">The kind of work; must match the host's task type when it has one.</param>
    /// <returns>A task that completes once the body has called Started.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="readyTimeout"/> is negative.</exception>
    /// <exception cref="UnknownTaskTypeException">The host accepts only another task type.</exception>
    public Task StartAsync(Func<StartSignal, CancellationToken, Task> body, TimeSpan? readyTimeout = null, string? taskType = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (readyTimeout is { } timeout && timeout < TimeSpan.Zero) throw ThrowHelper.NegativeDelay(nameof(readyTimeout), timeout);
        CheckTaskType(taskType);
        if (Volatile.Read(ref _state) != Running && TryStart() is { } failure) return Task.FromException(failure);
        return _scope.Submit(_ => _scope.Root.StartAsync(body, readyTimeout), CancellationToken.None);
    }

    /// <inheritdoc />
    public AsyncEvent CreateEvent() => new(_loop);

    /// <inheritdoc />
    public void Stop()
    {
        lock (_gate)
        {
            if (_state == NotStarted)
            {
                // Never started: there is no thread to stop, only submissions racing with this call to release.
                _scope.RequestStop();
                _scope.Close(failure: null);
                _state = Stopped;
                _ready.Set();
                _stopped.Set();
                return;
            }
        }
        _scope.RequestStop();
    }

    /// <inheritdoc />
    public void WaitForStop() => WaitForStop(Timeout.InfiniteTimeSpan);

    /// <inheritdoc />
    public bool WaitForStop(TimeSpan timeout)
    {
        if (!_stopped.IsSet) HostErrors.ThrowIfOnLoop(_loop, "LoopThread.WaitForStop");
        if (!_stopped.Wait(timeout)) return false;
        if ((_scope.Failure ?? _runFailure) is { } failure) throw HostErrors.StoppedWithFailure(Name, failure);
        return true;
    }

    /// <summary>Waits until the host has stopped, without reporting its failure (someone else did). Not on the loop thread.</summary>
    internal void WaitForStopQuietly() => _stopped.Wait();

    /// <summary>
    /// Stops the host and waits until it has stopped (from its own loop thread, where waiting would deadlock, it
    /// only requests the stop). Later calls, concurrent ones included, also wait until the host has stopped, but
    /// leave reporting its failure to the first.
    /// </summary>
    /// <exception cref="LoopHostException">The loop stopped with a failure of its own (first call only).</exception>
    public void Dispose()
    {
        var first = Interlocked.Exchange(ref _disposed, 1) == 0;
        if (first) Stop();
        if (EventLoop.Current == _loop) return;
        if (first) WaitForStop();
        else WaitForStopQuietly();
    }

    /// <summary>
    /// The host in one line: name, state, task type, registry id and creating thread, for example
    /// <c>LoopThread "Nursery loop 3": Running, any task type, registry id "db", created on thread "main" (#1)</c>.
    /// </summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var type = TaskType is null ? "any task type" : $"task type \"{TaskType}\"";
        var registry = !IsRegistered ? "not registered" : RegistryId is null ? "registry id (default)" : $"registry id \"{RegistryId}\"";
        return $"LoopThread \"{Name}\": {State}, {type}, {registry}, created on {CreatedOnThread}";
    }

    private void CheckTaskType(string? taskType)
    {
        if (TaskType is not null && !string.Equals(taskType, TaskType, StringComparison.Ordinal))
            throw new UnknownTaskTypeException($"LoopThread \"{Name}\"", taskType, TaskType);
    }

    /// <summary>Starts the loop for a submission; returns the failure as a value instead of throwing it.</summary>
    private LoopHostException? TryStart()
    {
        try
        {
            StartAndWait();
            return null;
        }
        catch (LoopHostException e)
        {
            return e;
        }
    }

    /// <summary>Starts the thread unless it was started (or stopped) already, then waits until the start has succeeded or failed.</summary>
    private void StartAndWait()
    {
        if (!_ready.IsSet)
        {
            StartThreadOnce();
            // On the loop thread itself the loop is running: nothing to wait for (and waiting would deadlock).
            if (EventLoop.Current != _loop) _ready.Wait();
        }
        if (_startFailure is { } failure)
            throw new LoopHostException($"LoopThread \"{Name}\" could not start its event loop: {failure.Message}", failure);
    }

    private void StartThreadOnce()
    {
        lock (_gate)
        {
            if (_state != NotStarted) return;
            _state = Starting;
            try
            {
                var thread = new Thread(RunLoop) { IsBackground = true, Name = Name };
                LoopRegistry.Started(this);
                // Without the starter's ExecutionContext: each work item runs in its own submitter's context instead.
                thread.UnsafeStart();
            }
            catch (Exception e)
            {
                LoopRegistry.Stopped(this);
                _startFailure = e;
                _scope.Close(failure: null);
                _state = Stopped;
                _ready.Set();
                _stopped.Set();
            }
        }
    }

    /// <summary>The loop thread: runs the loop until the scope has shut down.</summary>
    private void RunLoop()
    {
        try
        {
            _loop.Run(MainAsync);
        }
        catch (Exception e)
        {
            if (_ready.IsSet) _runFailure = e;
            else _startFailure = e; // Run refused to start (the loop is disposed, or running elsewhere)
        }
        finally
        {
            // Normally closed already; after a failure this releases every caller still waiting.
            _scope.Close(failure: null);
            Volatile.Write(ref _state, Stopped);
            LoopRegistry.Stopped(this);
            if (_ownsLoop) _loop.Dispose();
            _ready.Set();
            _stopped.Set();
        }
    }

    private async Task MainAsync()
    {
        var lifetime = _scope.RunAsync(); // the root manager exists once this returns
        Volatile.Write(ref _state, Running);
        _ready.Set();
        await lifetime;
    }
}
