namespace Nursery.Tests.Loop;

/// <summary>
/// A cancelled timer leaves the heap at once, so a VirtualClock never jumps to a deadline nobody waits for.
/// </summary>
/// <remarks>
/// To see a stale entry, the loop has to go idle with nothing else to do: each test ends by waiting for a real
/// OS timer (Task.Delay without a TimeProvider), during which an auto-jumping clock would leap to any timer left
/// in the heap. Each test also checks the heap itself is empty.
/// </remarks>
public class CancelledTimerTests
{
    private static async Task AssertNoTimerLeftAsync(EventLoop loop, TimeSpan expectedNow)
    {
        Assert.Equal(0, loop.Timers.Count);
        await Task.Delay(Ms(20)); // the loop idles here; a stale one-hour timer would make the clock jump
        Assert.Equal(expectedNow, loop.Now);
    }

    [Fact]
    public void Sleep_CancelledByItsToken_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var sleep = EventLoop.Sleep(TimeSpan.FromHours(1), cts.Token);
        await EventLoop.Sleep(S(2));
        cts.Cancel();

        await Catch.AnyAsync<OperationCanceledException>(() => sleep);
        await AssertNoTimerLeftAsync(loop, S(2));
    });

    [Fact]
    public void Sleep_InAChildThatIsCancelled_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        await using (var tm = new TaskManager(loop))
        {
            var child = tm.Spawn(() => EventLoop.Sleep(TimeSpan.FromHours(1)));
            await EventLoop.Sleep(S(1));
            child.Cancel();
        }
        await AssertNoTimerLeftAsync(loop, S(1));
    });

    [Fact]
    public void Schedule_ChildCancelledBeforeItsStart_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        var ran = false;
        await using (var tm = new TaskManager(loop))
        {
            var child = tm.Schedule(async () => ran = true, TimeSpan.FromHours(1));
            await EventLoop.Sleep(S(1));
            child.Cancel();
        }
        Assert.False(ran);
        await AssertNoTimerLeftAsync(loop, S(1));
    });

    [Fact]
    public void Child_EndingWithALeftoverSleep_CancelsItSoTheClockDoesNotJump() => Virtual.Run(async loop =>
    {
        var leftover = default(Task);
        await using (var tm = new TaskManager(loop))
        {
            tm.Spawn(async () =>
            {
                leftover = EventLoop.Sleep(TimeSpan.FromHours(1));
                await Task.WhenAny(EventLoop.Sleep(S(1)), leftover);
            });
        }
        Assert.Equal(S(1), loop.Now);
        await loop.RunCurrentAsync(); // the leftover's task is cancelled by a queued step, in any order of the schedule
        Assert.True(leftover!.IsCanceled);
        await AssertNoTimerLeftAsync(loop, S(1));
    });

    [Fact]
    public void RunAsync_BodyEndingWithALeftoverSleep_CancelsItSoTheClockDoesNotJump() => Virtual.Run(async loop =>
    {
        var leftover = default(Task);
        await TaskManager.RunAsync(async tm =>
        {
            leftover = EventLoop.Sleep(TimeSpan.FromHours(1));
            await EventLoop.Sleep(S(1));
        });
        await AssertNoTimerLeftAsync(loop, S(1));
        await loop.RunCurrentAsync(); // in any order of the schedule, the queued step that cancels it has run by now
        Assert.True(leftover!.IsCanceled); // completed as cancelled on a turn after RunAsync returned
    });

    [Fact]
    public void TimeProviderTimer_DisposedBeforeItsDueTime_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        var fired = false;
        var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
        await EventLoop.Sleep(S(1));
        timer.Dispose();

        await AssertNoTimerLeftAsync(loop, S(1));
        Assert.False(fired);
    });

    [Fact]
    public void TimeProviderTimer_ChangedToInfinite_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        var fired = false;
        using var timer = loop.TimeProvider.CreateTimer(_ => fired = true, null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));

        await AssertNoTimerLeftAsync(loop, TimeSpan.Zero);
        Assert.False(fired);
    });

    [Fact]
    public void TaskDelay_WithTimeProviderCancelled_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromHours(1), loop.TimeProvider, cts.Token);
        cts.Cancel();

        await Catch.AnyAsync<OperationCanceledException>(() => delay);
        await AssertNoTimerLeftAsync(loop, TimeSpan.Zero);
    });

    [Fact]
    public void CancellationTokenSource_WithTimeProviderDisposed_DoesNotMakeTheClockJump() => Virtual.Run(async loop =>
    {
        var cts = new CancellationTokenSource(TimeSpan.FromHours(1), loop.TimeProvider);
        cts.Dispose();

        await AssertNoTimerLeftAsync(loop, TimeSpan.Zero);
    });
}
