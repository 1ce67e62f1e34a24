using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Nursery.Tests.Diagnostics;

/// <summary>
/// LoopOptions.SlowCallbackThreshold (contract section 8): a step of loop code that holds the loop longer raises
/// SlowCallback with the duration, the child and its spawn site, and counts in the Nursery meter. The slow step blocks
/// the loop thread on purpose (that is the mistake being detected); nothing here waits for anything to happen.
/// </summary>
[Collection(RunsAlone.Name)] // real-time durations: measured without the parallel tests competing for the CPU
public class SlowCallbackTests
{
    /// <summary>Far above what compiling a method the first time costs on a loaded machine, so only the blocking step is slow.</summary>
    private static readonly TimeSpan Threshold = Ms(200);

    [Fact]
    public void SlowCallback_WhenAChildBlocksTheLoop_ReportsDurationChildAndSpawnSite()
    {
        var reports = new List<SlowCallbackEventArgs>();
        ChildTask? blocker = null;
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { SlowCallbackThreshold = Threshold });
            loop.SlowCallback += (sender, e) =>
            {
                Assert.Same(loop, sender);
                Assert.Same(loop, EventLoop.Current); // raised on the loop thread, after the step
                reports.Add(e);
            };
            loop.Run(async () =>
            {
                await using var tm = new TaskManager(loop);
                blocker = tm.Spawn(async () =>
                {
                    await EventLoop.Yield();
                    Thread.Sleep(Threshold * 2.5); // the bug: a blocking call on the loop thread
                }, "blocker");
                tm.Spawn(async () => { await EventLoop.Yield(); }, "quick");
            });
        });

        var report = Assert.Single(reports);
        Assert.Same(blocker, report.Child);
        Assert.Equal($"#{blocker!.Id} blocker", report.ChildLabel);
        Assert.True(report.Duration >= Threshold * 2.5, $"reported {report.Duration}");
        Assert.EndsWith($"{nameof(SlowCallbackTests)}.cs:{SpawnLine()}", report.SpawnSite);
        Assert.Contains("in child #", report.ToString());
    }

    /// <summary>The line of the Spawn call above (named children record their site for free).</summary>
    private static int SpawnLine() =>
        File.ReadAllLines(SourceFile()).Select((text, i) => (text, i)).First(l => l.text.Contains("blocker = tm.Spawn(")).i + 1;

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    [Fact]
    public void SlowCallback_InCodeOfNoChild_ReportsNullChild()
    {
        var reports = new List<SlowCallbackEventArgs>();
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { SlowCallbackThreshold = Threshold });
            loop.SlowCallback += (_, e) => reports.Add(e);
            loop.Run(async () =>
            {
                await EventLoop.Yield();
                Thread.Sleep(Threshold * 2.5);
            });
        });

        var report = Assert.Single(reports);
        Assert.Null(report.Child);
        Assert.Null(report.ChildLabel);
        Assert.Null(report.SpawnSite);
    }

    [Fact]
    public void SlowCallback_WithoutThreshold_IsNeverRaised()
    {
        var raised = 0;
        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock());
            loop.SlowCallback += (_, _) => raised++;
            loop.Run(async () =>
            {
                await EventLoop.Yield();
                Thread.Sleep(Threshold * 2.5);
            });
        });
        Assert.Equal(0, raised);
    }

    [Fact]
    public void SlowCallback_HandlerThatThrows_EndsRunWithItsException()
    {
        var thrown = new Boom("handler");
        var caught = Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { SlowCallbackThreshold = Threshold });
            loop.SlowCallback += (_, _) => throw thrown;
            return Assert.Throws<Boom>(() => loop.Run(async () =>
            {
                await EventLoop.Yield();
                Thread.Sleep(Threshold * 2.5);
            }));
        });
        Assert.Same(thrown, caught);
    }

    [Fact]
    public void Meter_Nursery_CountsSlowCallbacks()
    {
        var count = 0L;
        EventLoop? ours = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Nursery" && instrument.Name == "nursery.loop.slow_callbacks") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "nursery.loop.id" && ours is not null && (int)tag.Value! == ours.Id) Interlocked.Add(ref count, value);
        });
        listener.Start();

        Guard.Run(() =>
        {
            using var loop = new EventLoop(new VirtualClock(), new LoopOptions { SlowCallbackThreshold = Threshold });
            ours = loop;
            loop.Run(async () =>
            {
                for (var i = 0; i < 2; i++)
                {
                    await EventLoop.Yield();
                    Thread.Sleep(Threshold * 2.5);
                }
            });
        });
        Assert.Equal(2, Interlocked.Read(ref count));
    }

    [Fact]
    public void LoopThread_WithOptions_RaisesSlowCallbackForSubmittedWork()
    {
        var reports = new ConcurrentQueue<SlowCallbackEventArgs>();
        var options = new LoopOptions { SlowCallbackThreshold = Threshold };
        Guard.Run(() =>
        {
            using var host = new LoopThread(options);
            host.SlowCallback += (_, e) => reports.Enqueue(e); // before the host starts: subscribing does not start it
            Assert.Equal(LoopHostState.NotStarted, host.State);
            Assert.Same(options, host.Options);
            host.Submit(async _ =>
            {
                await EventLoop.Yield();
                Thread.Sleep(Threshold * 2.5);
            }).GetAwaiter().GetResult();
        });
        var report = Assert.Single(reports);
        Assert.NotNull(report.Child); // submitted work runs as a child of the host's root manager
        Assert.True(report.Duration >= Threshold * 2.5);
    }

    [Fact]
    public void LoopOptions_NonPositiveThreshold_IsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LoopOptions { SlowCallbackThreshold = TimeSpan.Zero });
        Assert.Contains("SlowCallbackThreshold must be positive", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoopOptions { DeadlockTimeout = TimeSpan.FromSeconds(-1) });
    }
}
