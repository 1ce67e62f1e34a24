using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nursery;

/// <summary>
/// A recording of what an <see cref="EventLoop"/> did: spawns, starts, steps, sleeps, cancellations and ends,
/// each stamped with loop time. Start one with <see cref="EventLoop.StartTrace"/>, stop it with <see cref="Stop"/>,
/// then read <see cref="Events"/> or export it as Chrome trace-event JSON (opens in Perfetto or chrome://tracing:
/// one track per child, grouped by TaskManager).
/// </summary>
/// <remarks>
/// Times come from the loop's clock only, and ids are per loop, so a program on a <see cref="VirtualClock"/>
/// produces a byte-identical trace on every run. Events are recorded on the loop thread; the trace may be
/// stopped, read and exported from any thread.
/// </remarks>
public sealed class LoopTrace : IDisposable
{
    /// <summary>The loop being recorded.</summary>
    private readonly EventLoop _loop;

    /// <summary>Recorded events in order. Guarded by itself.</summary>
    private readonly List<LoopTraceEvent> _events = [];

    /// <summary>Span ids of sleeps that have started and not ended. Loop thread only.</summary>
    private readonly Dictionary<SleepOperation, int> _openSleeps = new(ReferenceEqualityComparer.Instance);

    /// <summary>Last span id handed out. Loop thread only.</summary>
    private int _lastSpanId;

    /// <summary>Cleared by <see cref="Stop"/>.</summary>
    private volatile bool _recording = true;

    internal LoopTrace(EventLoop loop) => _loop = loop;

    /// <summary>Whether events are still being recorded.</summary>
    public bool IsRecording => _recording;

    /// <summary>A copy of the events recorded so far, in the order they happened.</summary>
    public IReadOnlyList<LoopTraceEvent> Events
    {
        get
        {
            lock (_events) return [.. _events];
        }
    }

    /// <summary>Stops recording. The events stay available. Idempotent, any thread.</summary>
    public void Stop()
    {
        if (!_recording) return;
        _recording = false;
        _loop.DetachTrace(this);
    }

    /// <summary>Same as <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    /// <summary>The trace as Chrome trace-event JSON (the format Perfetto and chrome://tracing open).</summary>
    /// <returns>The JSON text.</returns>
    public string ToChromeTraceJson()
    {
        using var stream = new MemoryStream();
        WriteChromeTrace(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the trace as Chrome trace-event JSON to <paramref name="destination"/>.</summary>
    /// <param name="destination">Where to write (left open).</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public void WriteChromeTrace(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ChromeTraceWriter.Write(destination, Events);
    }

    /// <summary>Writes the trace as Chrome trace-event JSON to a file, replacing it if it exists.</summary>
    /// <param name="path">The file to write, e.g. "run.trace.json".</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public void WriteChromeTrace(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.Create(path);
        WriteChromeTrace(file);
    }

    internal void ManagerOpened(TaskManager manager, ChildTask? owner) =>
        Add(LoopTraceEventKind.ManagerOpened, manager.Id, owner?.Id ?? 0, detail: owner?.Label);

    internal void ManagerClosed(TaskManager manager) => Add(LoopTraceEventKind.ManagerClosed, manager.Id, 0);

    internal void Spawned(ChildTask child, TimeSpan? startsAt) =>
        Add(LoopTraceEventKind.Spawn, child.Manager.Id, child.Id, until: startsAt, detail: child.Name);

    internal void Started(ChildTask child) => Add(LoopTraceEventKind.Start, child.Manager.Id, child.Id);

    internal void Step(ChildTask child) => Add(LoopTraceEventKind.Step, child.Manager.Id, child.Id);

    internal void CancelRequested(ChildTask child) =>
        Add(LoopTraceEventKind.CancelRequested, child.Manager.Id, child.Id, detail: child.Context.Cause?.Message);

    internal void Ended(ChildTask child)
    {
        var (kind, detail) = child.Status switch
        {
            ChildTaskStatus.Completed => (LoopTraceEventKind.Complete, (string?)null),
            ChildTaskStatus.Faulted => (LoopTraceEventKind.Fault,
                $"{(child.Manager.IsPrimary(child) ? "" : "secondary (raised while being cancelled): ")}{child.Exception!.GetType().Name}: {child.Exception.Message}"),
            _ => (LoopTraceEventKind.Cancel, null),
        };
        Add(kind, child.Manager.Id, child.Id, detail: detail);
    }

    internal void SleepStarted(SleepOperation sleep, TimeSpan deadline)
    {
        var span = ++_lastSpanId;
        _openSleeps[sleep] = span;
        Add(LoopTraceEventKind.Sleep, sleep.Node.Child?.Manager.Id ?? 0, sleep.Node.Child?.Id ?? 0, span, deadline);
    }

    internal void SleepEnded(SleepOperation sleep, bool cancelled)
    {
        if (!_openSleeps.Remove(sleep, out var span)) return; // started before this trace
        Add(LoopTraceEventKind.Wake, sleep.Node.Child?.Manager.Id ?? 0, sleep.Node.Child?.Id ?? 0, span, detail: cancelled ? "cancelled" : null);
    }

    internal void ScopeEntered(ScopeContext scope, TimeSpan deadline) =>
        Add(LoopTraceEventKind.ScopeEntered, scope.Child?.Manager.Id ?? 0, scope.Child?.Id ?? 0,
            until: deadline == TimeSpan.MaxValue ? null : deadline, detail: scope.IsShielded ? "shielded" : null);

    internal void ScopeExited(ScopeContext scope) =>
        Add(LoopTraceEventKind.ScopeExited, scope.Child?.Manager.Id ?? 0, scope.Child?.Id ?? 0,
            detail: scope.IsCancelled ? scope.Cause!.Message : null);

    private void Add(LoopTraceEventKind kind, int managerId, int childId, int spanId = 0, TimeSpan? until = null, string? detail = null)
    {
        if (!_recording) return;
        var e = new LoopTraceEvent(_loop.Now, kind, managerId, childId, spanId, until, detail);
        lock (_events) _events.Add(e);
    }

    /// <summary>Turns events into the Chrome trace-event format: pid = manager, tid = child.</summary>
    private static class ChromeTraceWriter
    {
        public static void Write(Stream destination, IReadOnlyList<LoopTraceEvent> events)
        {
            using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false });
            json.WriteStartObject();
            json.WriteString("displayTimeUnit", "ms");
            json.WriteStartArray("traceEvents");

            var end = events.Count > 0 ? events[^1].Time : TimeSpan.Zero;
            var childManager = new Dictionary<int, int>();
            var started = new Dictionary<int, TimeSpan>();
            var labels = new Dictionary<int, string>();
            var sleeps = new Dictionary<int, LoopTraceEvent>();
            foreach (var e in events)
            {
                switch (e.Kind)
                {
                    case LoopTraceEventKind.ManagerOpened:
                        Metadata(json, "process_name", e.ManagerId, 0, e.Detail is null ? $"TaskManager #{e.ManagerId}" : $"TaskManager #{e.ManagerId} (in child {e.Detail})");
                        Metadata(json, "process_sort_index", e.ManagerId, 0, sortIndex: e.ManagerId);
                        break;
                    case LoopTraceEventKind.Spawn:
                        childManager[e.ChildId] = e.ManagerId;
                        labels[e.ChildId] = e.Detail is null ? $"#{e.ChildId}" : $"#{e.ChildId} {e.Detail}";
                        Metadata(json, "thread_name", e.ManagerId, e.ChildId, labels[e.ChildId]);
                        Metadata(json, "thread_sort_index", e.ManagerId, e.ChildId, sortIndex: e.ChildId);
                        Instant(json, e.Until is { } at ? $"scheduled for {Seconds(at)}" : "spawned", e);
                        break;
                    case LoopTraceEventKind.Start:
                        started[e.ChildId] = e.Time;
                        break;
                    case LoopTraceEventKind.Complete or LoopTraceEventKind.Fault or LoopTraceEventKind.Cancel:
                        var from = started.Remove(e.ChildId, out var s) ? s : e.Time; // cancelled before starting: a zero-length slice
                        Slice(json, labels.GetValueOrDefault(e.ChildId, $"#{e.ChildId}"), e.ManagerId, e.ChildId, from, e.Time, e.Kind.ToString(), e.Detail);
                        break;
                    case LoopTraceEventKind.Sleep:
                        sleeps[e.SpanId] = e;
                        break;
                    case LoopTraceEventKind.Wake when sleeps.Remove(e.SpanId, out var sleep):
                        Slice(json, e.Detail is null ? "sleep" : "sleep (cancelled)", sleep.ManagerId, sleep.ChildId, sleep.Time, e.Time, null, null);
                        break;
                    case LoopTraceEventKind.Step:
                        Instant(json, "step", e);
                        break;
                    case LoopTraceEventKind.CancelRequested:
                        Instant(json, "cancel requested", e);
                        break;
                }
            }
            // Whatever was still running or sleeping when the trace stopped runs to the end of the trace.
            foreach (var (child, from) in started.OrderBy(p => p.Key))
                Slice(json, labels.GetValueOrDefault(child, $"#{child}"), childManager.GetValueOrDefault(child), child, from, end, "Running", null);
            foreach (var (_, sleep) in sleeps.OrderBy(p => p.Key))
                Slice(json, "sleep", sleep.ManagerId, sleep.ChildId, sleep.Time, end, null, null);

            json.WriteEndArray();
            json.WriteEndObject();
        }

        private static void Metadata(Utf8JsonWriter json, string name, int pid, int tid, string? label = null, int? sortIndex = null)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("ph", "M");
            json.WriteNumber("pid", pid);
            json.WriteNumber("tid", tid);
            json.WriteStartObject("args");
            if (label is not null) json.WriteString("name", label);
            if (sortIndex is { } index) json.WriteNumber("sort_index", index);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        private static void Instant(Utf8JsonWriter json, string name, LoopTraceEvent e)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("ph", "i");
            json.WriteString("s", "t");
            Microseconds(json, "ts", e.Time);
            json.WriteNumber("pid", e.ManagerId);
            json.WriteNumber("tid", e.ChildId);
            json.WriteEndObject();
        }

        private static void Slice(Utf8JsonWriter json, string name, int pid, int tid, TimeSpan from, TimeSpan to, string? status, string? detail)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("ph", "X");
            Microseconds(json, "ts", from);
            Microseconds(json, "dur", to - from);
            json.WriteNumber("pid", pid);
            json.WriteNumber("tid", tid);
            if (status is not null || detail is not null)
            {
                json.WriteStartObject("args");
                if (status is not null) json.WriteString("status", status);
                if (detail is not null) json.WriteString("detail", detail);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        // Trace-event times are microseconds; loop ticks are 100 ns, so one decimal is exact.
        private static void Microseconds(Utf8JsonWriter json, string name, TimeSpan time) =>
            json.WriteRawValueNumber(name, (time.Ticks / 10m).ToString("0.#", CultureInfo.InvariantCulture));

        private static string Seconds(TimeSpan time) => $"t={time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)}s";
    }
}

/// <summary>Small helpers the trace writer needs from <see cref="Utf8JsonWriter"/>.</summary>
file static class Utf8JsonWriterExtensions
{
    /// <summary>Writes a property whose value is an already formatted JSON number.</summary>
    public static void WriteRawValueNumber(this Utf8JsonWriter json, string name, string number)
    {
        json.WritePropertyName(name);
        json.WriteRawValue(number, skipInputValidation: true);
    }
}
