namespace Nursery.Tests.Hosting;

public class LoopThreadTests : LoopHostContract
{
    protected override HostUnderTest Start(TimeSpan? stopTimeout = null)
    {
        var host = stopTimeout is { } t ? new LoopThread { StopTimeout = t } : new LoopThread();
        host.EnsureRunning();
        return new HostUnderTest(host, host.Dispose);
    }

    [Fact]
    public void EnsureRunning_RunsTheLoopOnANamedBackgroundThreadAndIsIdempotent()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(taskType: "render");
            Assert.False(host.IsRunning);
            host.EnsureRunning();
            host.EnsureRunning();
            var (name, background) = Blocking.Result(host.Submit(
                _ => Task.FromResult((Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground)), "render"));
            Assert.Equal(host.Name, name);
            Assert.StartsWith("Nursery loop ", name);
            Assert.EndsWith("(render)", name);
            Assert.True(background);
            Assert.True(host.IsRunning);
        });
    }

    [Fact]
    public void Submit_OnAHostNotStartedYet_StartsIt()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread();
            Assert.Equal(3, Blocking.Result(host.Submit(_ => Task.FromResult(3))));
            Assert.True(host.IsRunning);
        });
    }

    [Fact]
    public void Loop_OnAHostNotStartedYet_StartsIt()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread();
            Assert.True(host.Loop.IsRunning);
            Assert.True(host.IsRunning);
        });
    }

    [Fact]
    public void WithAVirtualClock_RunsHoursOfSleepAtOnce()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(new VirtualClock());
            var at = Blocking.Result(host.Submit(async ct =>
            {
                await EventLoop.Sleep(TimeSpan.FromHours(3), ct);
                return EventLoop.Current!.Now;
            }));
            Assert.Equal(TimeSpan.FromHours(3), at);
        });
    }

    [Fact]
    public void EnsureRunning_WhenTheLoopCannotStart_ThrowsLoopHostExceptionAndSubmitFailsWithIt()
    {
        Guard.Run(() =>
        {
            var loop = new EventLoop();
            loop.Dispose(); // Run refuses a disposed loop
            using var host = new LoopThread(loop, ownsLoop: false, taskType: null, name: null);
            var e = Assert.Throws<LoopHostException>(host.EnsureRunning);
            Assert.IsType<ObjectDisposedException>(e.InnerException);
            Assert.IsType<LoopHostException>(Blocking.Failure(host.Submit(_ => Task.FromResult(1))));
            Assert.False(host.IsRunning);
            Assert.True(host.WaitForStop(Blocking.Patience));
        });
    }

    [Fact]
    public void Stop_BeforeStart_StopsWithoutAThreadAndTheHostDoesNotRestart()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread();
            host.Stop();
            Assert.True(host.WaitForStop(TimeSpan.Zero));
            Assert.Throws<ObjectDisposedException>(host.EnsureRunning);
            Assert.IsType<ObjectDisposedException>(Blocking.Failure(host.Submit(_ => Task.FromResult(1))));
            Assert.False(host.IsRunning);
        });
    }

    [Fact]
    public void Submit_WithTheHostsTaskType_IsAccepted()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(taskType: "render");
            Assert.Equal(7, Blocking.Result(host.Submit(_ => Task.FromResult(7), "render")));
            Blocking.Ended(host.Submit(_ => Task.CompletedTask, "render"));
        });
    }

    [Fact]
    public void Submit_WithAnotherTaskType_ThrowsUnknownTaskTypeExceptionSayingHowToFixIt()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(taskType: "render");
            var ran = false;
            var e = Assert.Throws<UnknownTaskTypeException>(() => { _ = host.Submit(_ => { ran = true; return Task.FromResult(0); }, "io"); });
            Assert.Equal("io", e.GivenType);
            Assert.Equal("render", e.ExpectedType);
            Assert.Contains("Submit(work, \"render\")", e.Message);
            Assert.Contains("new LoopThread(taskType: \"io\")", e.Message);
            Assert.Throws<UnknownTaskTypeException>(() => { _ = host.Submit(_ => { ran = true; return Task.CompletedTask; }, "RENDER"); });
            Assert.False(ran);
        });
    }

    [Fact]
    public void Submit_WithoutATaskTypeToATypedHost_IsRefusedToo()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread(taskType: "render");
            var e = Assert.Throws<UnknownTaskTypeException>(() => { _ = host.Submit(_ => Task.FromResult(0)); });
            Assert.Null(e.GivenType);
            Assert.Equal("render", e.ExpectedType);
            Assert.Contains("without a task type", e.Message);
        });
    }

    [Fact]
    public void Submit_WithATaskTypeToAHostWithoutOne_IsAccepted()
    {
        Guard.Run(() =>
        {
            using var host = new LoopThread();
            Assert.Equal(1, Blocking.Result(host.Submit(_ => Task.FromResult(1), "anything")));
        });
    }

    [Fact]
    public void StopTimeout_Negative_ThrowsArgumentOutOfRangeException()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoopThread { StopTimeout = TimeSpan.FromSeconds(-1) });
    }
}
