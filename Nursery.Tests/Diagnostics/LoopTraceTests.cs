using System.Text.Json;

namespace Nursery.Tests.Diagnostics;

public class LoopTraceTests
{
    private static LoopTrace RecordScenario() => Virtual.Run(async loop =>
    {
        var trace = loop.StartTrace();
        await DiagnosticsScenario.RunAsync(loop, () => { });
        trace.Stop();
        return trace;
    });

    [Fact]
    public void StartTrace_OnAVirtualClock_GivesAByteIdenticalChromeTraceOnEveryRun()
    {
        var first = RecordScenario().ToChromeTraceJson();
        var second = RecordScenario().ToChromeTraceJson();
        Assert.Equal(first, second);
    }

    [Trait("Schedule", "Fifo")]
    [Fact]
    public void Events_OfTheScenario_MatchTheApprovedLog()
    {
        var lines = RecordScenario().Events.Select(e =>
            $"{e.Time.TotalSeconds:0.000}s {e.Kind} m{e.ManagerId} c{e.ChildId}" +
            (e.SpanId != 0 ? $" span{e.SpanId}" : "") +
            (e.Until is { } until ? $" until={until.TotalSeconds:0.000}s" : "") +
            (e.Detail is { } detail ? $" ({detail})" : ""));
        Approvals.Verify(string.Join("\n", lines), "LoopTrace_Scenario");
    }

    [Fact]
    public void ToChromeTraceJson_HasTheTraceEventShapePerfettoReads()
    {
        using var json = JsonDocument.Parse(RecordScenario().ToChromeTraceJson());
        var events = json.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.NotEmpty(events);
        foreach (var e in events)
        {
            var phase = e.GetProperty("ph").GetString();
            Assert.Contains(phase, new[] { "M", "X", "i" });
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            Assert.True(e.GetProperty("pid").TryGetInt32(out _));
            Assert.True(e.GetProperty("tid").TryGetInt32(out _));
            if (phase == "X")
            {
                Assert.True(e.GetProperty("ts").GetDouble() >= 0);
                Assert.True(e.GetProperty("dur").GetDouble() >= 0);
            }
            if (phase == "i") Assert.Equal("t", e.GetProperty("s").GetString());
        }

        // One named track per child, grouped under its manager's process.
        var threadNames = events.Where(e => e.GetProperty("name").GetString() == "thread_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Contains("#1 fetch A", threadNames);
        Assert.Contains("#5 poll", threadNames);
        var processNames = events.Where(e => e.GetProperty("name").GetString() == "process_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Equal(new[] { "TaskManager #1", "TaskManager #2 (in child #2 owner)" }, processNames);

        // The flaky child's lifetime slice runs from t=0 to its failure at t=3 s, in microseconds.
        var flaky = events.Single(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == "#4 flaky");
        Assert.Equal(0, flaky.GetProperty("ts").GetDouble());
        Assert.Equal(3_000_000, flaky.GetProperty("dur").GetDouble());
        Assert.Equal("Fault", flaky.GetProperty("args").GetProperty("status").GetString());
    }

    [Fact]
    public void WriteChromeTrace_ToAFile_WritesTheSameJson()
    {
        var trace = RecordScenario();
        var path = Path.Combine(Path.GetTempPath(), $"nursery-trace-{Guid.NewGuid():N}.json");
        try
        {
            trace.WriteChromeTrace(path);
            Assert.Equal(trace.ToChromeTraceJson(), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void StartTrace_WhileOneIsRecording_ThrowsInvalidOperationException_AndStopEndsRecording()
    {
        Virtual.Run(async loop =>
        {
            var trace = loop.StartTrace();
            Assert.True(trace.IsRecording);
            var e = Assert.Throws<InvalidOperationException>(() => loop.StartTrace());
            Assert.Contains("already being recorded", e.Message);
            await using (var tm = new TaskManager(loop)) tm.Spawn(() => EventLoop.Sleep(S(1)));
            trace.Stop();
            trace.Stop(); // idempotent
            var count = trace.Events.Count;
            await using (var tm = new TaskManager(loop)) tm.Spawn(() => EventLoop.Sleep(S(1)));
            Assert.Equal(count, trace.Events.Count);
            Assert.False(trace.IsRecording);
            using var next = loop.StartTrace(); // a new trace can start once the old one stopped
            Assert.True(next.IsRecording);
        });
    }

    [Fact]
    public void WriteChromeTrace_WithNullArguments_ThrowsArgumentExceptions()
    {
        var trace = RecordScenario();
        Assert.Throws<ArgumentNullException>(() => trace.WriteChromeTrace((Stream)null!));
        Assert.Throws<ArgumentNullException>(() => trace.WriteChromeTrace((string)null!));
        Assert.Throws<ArgumentException>(() => trace.WriteChromeTrace(""));
    }

    [Fact]
    public void Events_OfARunAsyncBody_NameItAndShowItStartAndEnd() => Virtual.Run(async loop =>
    {
        var trace = loop.StartTrace();
        await TaskManager.RunAsync(async tm => await EventLoop.Sleep(S(1)));
        trace.Stop();
        var spawn = Assert.Single(trace.Events, e => e.Kind == LoopTraceEventKind.Spawn);
        Assert.Equal("RunAsync body", spawn.Detail);
        Assert.Contains(trace.Events, e => e.Kind == LoopTraceEventKind.Start && e.ChildId == spawn.ChildId);
    });
}
