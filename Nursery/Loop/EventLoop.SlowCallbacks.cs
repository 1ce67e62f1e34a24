using System.Diagnostics;

namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>
    /// <see cref="LoopOptions.SlowCallbackThreshold"/> in <see cref="Stopwatch"/> ticks; zero when slow-callback
    /// detection is off. Fixed at construction.
    /// </summary>
    private readonly long _slowCallbackTicks;

    /// <summary>
    /// Raised on the loop thread, right after a step of loop code (the code between two awaits) that held the loop
    /// longer than <see cref="LoopOptions.SlowCallbackThreshold"/>: the duration, the child it belongs to and where
    /// that child was spawned. Also counted by the <c>nursery.loop.slow_callbacks</c> counter of the <c>Nursery</c> meter.
    /// Never raised when the threshold is <see langword="null"/> (the default).
    /// </summary>
    /// <remarks>
    /// Handlers run on the loop thread and hold it too: keep them short (log and return). A handler that throws ends
    /// <see cref="Run(Func{Task})"/> with that exception, like any failure of loop code outside a child.
    /// </remarks>
    public event EventHandler<SlowCallbackEventArgs>? SlowCallback;

    /// <summary>The options the loop was made with.</summary>
    public LoopOptions Options { get; }

    /// <summary>Runs one work item, timing it when slow-callback detection is on.</summary>
    private void RunTimed(in WorkItem item)
    {
        var started = Stopwatch.GetTimestamp();
        item.Callback(item.State);
        var elapsed = Stopwatch.GetTimestamp() - started;
        if (elapsed > _slowCallbackTicks) ReportSlowCallback(Stopwatch.GetElapsedTime(started, started + elapsed), item.Context.Child);
    }

    /// <summary>Counts a slow step and tells the handlers.</summary>
    private void ReportSlowCallback(TimeSpan duration, ChildTask? child)
    {
        NurseryTelemetry.RecordSlowCallback(this);
        SlowCallback?.Invoke(this, new SlowCallbackEventArgs(duration, child));
    }

    /// <summary>A threshold in <see cref="Stopwatch"/> ticks (zero: off).</summary>
    private static long ToStopwatchTicks(TimeSpan? threshold) =>
        threshold is { } t ? Math.Max(1, (long)(t.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond))) : 0;
}
