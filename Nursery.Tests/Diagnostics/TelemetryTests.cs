using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Nursery.Tests.Diagnostics;

public class TelemetryTests
{
    [Fact]
    public void Meter_Nursery_CountsChildrenByOutcome_ForEachLoop()
    {
        // Tests run in parallel and the meter is process-wide, so only measurements tagged with this loop count.
        var counts = new ConcurrentDictionary<string, long>();
        EventLoop? ours = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Nursery") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "nursery.loop.id" && ours is not null && (int)tag.Value! == ours.Id)
                    counts.AddOrUpdate(instrument.Name, value, (_, v) => v + value);
            }
        });
        listener.Start();

        Virtual.Run(async loop =>
        {
            ours = loop;
            var tm = new TaskManager(loop);
            tm.Spawn(async () => 1);
            tm.Spawn(async () => 2);
            var slow = tm.Spawn(() => EventLoop.Sleep(S(10)));
            tm.Schedule(() => Task.CompletedTask, S(20));
            await EventLoop.Sleep(S(1));
            slow.Cancel();
            tm.Spawn(() => throw new Boom("metered"));
            try { await tm.DisposeAsync(); } catch (Boom) { }
        });

        Assert.Equal(5, counts.GetValueOrDefault("nursery.children.spawned"));
        Assert.Equal(2, counts.GetValueOrDefault("nursery.children.completed"));
        Assert.Equal(1, counts.GetValueOrDefault("nursery.children.faulted"));
        Assert.Equal(2, counts.GetValueOrDefault("nursery.children.cancelled")); // the cancelled sleeper and the scheduled child
    }

    [Fact]
    public void Meter_Nursery_ReportsRunQueueLengthAndLoopLag()
    {
        var queueLengths = new ConcurrentBag<int>();
        var lags = new ConcurrentBag<double>();
        EventLoop? ours = null;
        bool Ours(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags) if (tag.Key == "nursery.loop.id" && ours is not null && (int)tag.Value! == ours.Id) return true;
            return false;
        }
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Nursery") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "nursery.loop.run_queue.length" && Ours(tags)) queueLengths.Add(value);
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "nursery.loop.lag" && Ours(tags)) lags.Add(value);
        });
        listener.Start();

        Virtual.Run(async loop =>
        {
            ours = loop;
            await using var tm = new TaskManager(loop);
            for (var i = 0; i < 5; i++) tm.Spawn(() => EventLoop.Yield());
            listener.RecordObservableInstruments(); // the five children are ready but not started
            await EventLoop.Sleep(S(1));
        }, clock: new SystemClock());

        Assert.Contains(queueLengths, length => length >= 5);
        Assert.NotEmpty(lags);
        Assert.All(lags, lag => Assert.True(lag >= 0, $"a timer fired {lag} ms before its deadline"));
    }

    [Fact]
    public void ActivitySource_Nursery_RecordsOneActivityPerScope_NestedUnderItsOwner_WithErrorStatusOnFailure()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var root = new Activity("test root").Start();
        var traceId = root.TraceId;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Nursery",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.TraceId == traceId) stopped.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(listener);

        var currentInMain = new List<Activity?>();
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            Activity.Current = root; // Guard runs on a fresh thread: carry the test's root activity over
            loop.Run(async () =>
            {
                var before = Activity.Current;
                try
                {
                    await using var outer = new TaskManager(loop);
                    currentInMain.Add(Activity.Current);
                    outer.Spawn(async () =>
                    {
                        await using var inner = new TaskManager(loop);
                        inner.Spawn(async () => { await EventLoop.Sleep(S(1)); throw new Boom("traced"); });
                    });
                }
                catch (Boom)
                {
                }
                currentInMain.Add(before);
            });
        });

        Assert.Equal(2, stopped.Count);
        var inner = stopped.First();
        var outer = stopped.Last();
        Assert.All(stopped, a => Assert.Equal("Nursery.TaskManager", a.OperationName));
        Assert.Equal(root.SpanId, outer.ParentSpanId);
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, outer.Status);
        Assert.Equal(ActivityStatusCode.Error, inner.Status);
        Assert.Equal(1, outer.GetTagItem("nursery.children"));
        // Creating a scope does not change Activity.Current for the code around it.
        Assert.Same(root, currentInMain[0]);
    }
}
