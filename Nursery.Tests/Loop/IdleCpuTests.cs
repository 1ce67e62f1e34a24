using System.Diagnostics;

namespace Nursery.Tests.Loop;

/// <summary>
/// An idle loop blocks instead of spinning. Measured as process CPU time (Process.TotalProcessorTime) over
/// stretches of idle waiting.
/// </summary>
/// <remarks>
/// <para>
/// The bound. A loop that spins while it waits burns a core: its CPU time is the wall time of the wait, or on a
/// machine loaded far beyond its cores (load 15 on 2 cores, as measured here) still 20–45 % of it. A loop that
/// blocks uses nothing; what remains is the process's own background work. The test project turns tiered JIT
/// compilation off because its background tier-up thread alone used 15–20 % of a core for seconds after start-up;
/// without it an idle window measured 1–11 ms, and a loop spinning on Yield 70–200 ms, per 200 ms. So each test
/// measures three 200 ms windows, keeps the quietest (a burst rarely covers all three; a spinning loop spoils every
/// window), and asserts it used less than a fifth of its wall time (40 ms): well above the background, below even
/// a starved spinning loop.
/// </para>
/// <para>
/// The collection runs alone so that other tests' CPU time is not counted, and each test first proves that the
/// counter moves when this thread does work (otherwise the test could never fail).
/// </para>
/// </remarks>
[Collection(RunsAlone.Name)]
public class IdleCpuTests
{
    private static readonly TimeSpan Window = Ms(200);

    private static TimeSpan ProcessCpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>Spins until the process CPU counter has visibly moved: the measurement can see a busy thread.</summary>
    private static void ProveTheCounterSeesWork()
    {
        var start = ProcessCpu();
        var spin = Stopwatch.StartNew();
        while (ProcessCpu() - start < Ms(20))
        {
            Assert.True(spin.Elapsed < S(10), "process CPU time does not move: this measurement cannot work here");
        }
    }

    /// <summary>Runs <paramref name="idleWait"/> three times and asserts the quietest run used under a fifth of its wall time.</summary>
    private static async Task AssertIdleWaitsUseAlmostNoCpuAsync(Func<Task> idleWait)
    {
        await idleWait(); // warm up: JIT the idle path before measuring
        ProveTheCounterSeesWork();
        var windows = new List<(TimeSpan Cpu, TimeSpan Wall)>();
        for (var i = 0; i < 3; i++)
        {
            var cpuBefore = ProcessCpu();
            var wall = Stopwatch.StartNew();
            await idleWait();
            windows.Add((ProcessCpu() - cpuBefore, wall.Elapsed));
        }

        var quietest = windows.MinBy(w => w.Cpu / w.Wall);
        // A sanity check that the window really waited (an OS timer may fire a millisecond or two early).
        Assert.True(quietest.Wall >= Window * 0.9, $"the idle wait lasted only {quietest.Wall.TotalMilliseconds:0} ms");
        Assert.True(quietest.Cpu < quietest.Wall / 5,
            "the idle loop used CPU in every window: " + string.Join(", ", windows.Select(w => $"{w.Cpu.TotalMilliseconds:0} ms in {w.Wall.TotalMilliseconds:0} ms")));
    }

    [Fact]
    public void Idle_WaitingForItsOwnTimerOnTheSystemClock_UsesAlmostNoCpu() => Virtual.Run(
        loop => AssertIdleWaitsUseAlmostNoCpuAsync(() => EventLoop.Sleep(Window)),
        clock: new SystemClock());

    [Fact]
    public void Idle_WaitingForARealOsTimer_UsesAlmostNoCpu() => Virtual.Run(
        loop => AssertIdleWaitsUseAlmostNoCpuAsync(() => Task.Delay(Window)), // no loop timer: the loop blocks on its inbox
        clock: new SystemClock());

    [Fact]
    public void Idle_VirtualClockWithoutAutoJumpWaitingForAdvance_UsesAlmostNoCpu() => Virtual.Run(
        loop => AssertIdleWaitsUseAlmostNoCpuAsync(() =>
        {
            // The loop has a timer it cannot reach until a plain thread advances the clock after the window.
            var clock = (VirtualClock)loop.Clock;
            var advancer = new Thread(() =>
            {
                Thread.Sleep(Window);
                clock.Advance(S(1));
            }) { IsBackground = true };
            advancer.Start();
            return EventLoop.Sleep(S(1));
        }),
        clock: new VirtualClock { AutoJump = false });
}
