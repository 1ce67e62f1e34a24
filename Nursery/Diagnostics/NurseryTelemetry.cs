using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Nursery;

/// <summary>
/// The library's metrics and activities, both named "Nursery". Instruments are checked with <c>Enabled</c> /
/// <c>HasListeners</c> before use, so with nobody listening they cost a field read.
/// </summary>
internal static class NurseryTelemetry
{
    /// <summary>The name of the <see cref="Meter"/> and the <see cref="ActivitySource"/>.</summary>
    public const string Name = "Nursery";

    /// <summary>The library's meter.</summary>
    public static readonly Meter Meter = new(Name, typeof(NurseryTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>One activity per TaskManager scope.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, typeof(NurseryTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Children spawned or scheduled.</summary>
    public static readonly Counter<long> Spawned = Meter.CreateCounter<long>(
        "nursery.children.spawned", "{child}", "Children spawned or scheduled into a TaskManager.");

    /// <summary>Children that ran to completion.</summary>
    public static readonly Counter<long> Completed = Meter.CreateCounter<long>(
        "nursery.children.completed", "{child}", "Children whose body returned normally.");

    /// <summary>Children that failed.</summary>
    public static readonly Counter<long> Faulted = Meter.CreateCounter<long>(
        "nursery.children.faulted", "{child}", "Children whose body threw.");

    /// <summary>Children that ended cancelled.</summary>
    public static readonly Counter<long> Cancelled = Meter.CreateCounter<long>(
        "nursery.children.cancelled", "{child}", "Children that ended cancelled.");

    /// <summary>How late timers fire compared with their deadline, in milliseconds of loop time.</summary>
    public static readonly Histogram<double> LoopLag = Meter.CreateHistogram<double>(
        "nursery.loop.lag", "ms", "How late a timer fired after its deadline (loop lag), in milliseconds of loop time.");

    /// <summary>Steps of loop code that held the loop longer than <see cref="LoopOptions.SlowCallbackThreshold"/>.</summary>
    public static readonly Counter<long> SlowCallbacks = Meter.CreateCounter<long>(
        "nursery.loop.slow_callbacks", "{callback}", "Steps of loop code that held the loop thread longer than LoopOptions.SlowCallbackThreshold.");

    /// <summary>Work that came back to a loop on a VirtualClock from another thread (a run that is no longer deterministic).</summary>
    public static readonly Counter<long> OffLoopResumes = Meter.CreateCounter<long>(
        "nursery.loop.off_loop_resumes", "{item}", "Continuations that reached a loop on a VirtualClock from another thread (ConfigureAwait(false), thread-pool work): the run is not deterministic.");

    /// <summary>Loops currently inside Run, for the run-queue gauge. Guarded by itself.</summary>
    private static readonly List<EventLoop> s_running = [];

    static NurseryTelemetry()
    {
        Meter.CreateObservableGauge(
            "nursery.loop.run_queue.length",
            ObserveRunQueues,
            "{item}",
            "Work items ready to run on each running event loop.");
    }

    /// <summary>The tag every measurement carries: which loop it comes from.</summary>
    public static KeyValuePair<string, object?> LoopTag(EventLoop loop) => new("nursery.loop.id", loop.Id);

    /// <summary>Counts a spawned or scheduled child.</summary>
    public static void RecordSpawn(EventLoop loop)
    {
        if (Spawned.Enabled) Spawned.Add(1, LoopTag(loop));
    }

    /// <summary>Counts a child's final status.</summary>
    public static void RecordEnd(EventLoop loop, ChildTaskStatus status)
    {
        var counter = status switch
        {
            ChildTaskStatus.Completed => Completed,
            ChildTaskStatus.Faulted => Faulted,
            _ => Cancelled,
        };
        if (counter.Enabled) counter.Add(1, LoopTag(loop));
    }

    /// <summary>Records how late a timer fired.</summary>
    public static void RecordLag(EventLoop loop, TimeSpan lag)
    {
        if (LoopLag.Enabled) LoopLag.Record(lag.TotalMilliseconds, LoopTag(loop));
    }

    /// <summary>Counts a slow step of loop code.</summary>
    public static void RecordSlowCallback(EventLoop loop)
    {
        if (SlowCallbacks.Enabled) SlowCallbacks.Add(1, LoopTag(loop));
    }

    /// <summary>Counts work that reached a virtual-clock loop from another thread.</summary>
    public static void RecordOffLoopResume(EventLoop loop)
    {
        if (OffLoopResumes.Enabled) OffLoopResumes.Add(1, LoopTag(loop));
    }

    /// <summary>Makes a loop visible to the run-queue gauge while it runs.</summary>
    public static void LoopStarted(EventLoop loop)
    {
        lock (s_running) s_running.Add(loop);
    }

    /// <summary>Hides a loop from the run-queue gauge once Run returns.</summary>
    public static void LoopStopped(EventLoop loop)
    {
        lock (s_running) s_running.Remove(loop);
    }

    private static IEnumerable<Measurement<int>> ObserveRunQueues()
    {
        EventLoop[] loops;
        lock (s_running) loops = [.. s_running];
        // Read from the collector's thread: the count is a racy snapshot, which is what a gauge reports anyway.
        return loops.Select(loop => new Measurement<int>(loop.ReadyCount, LoopTag(loop)));
    }
}
