namespace Nursery.Tests.Api;

/// <summary>
/// Public members that no other test reached (found from coverlet's report: methods with zero hits that are in the
/// public API listing). Each test checks what the member's documentation promises.
/// </summary>
public class UntestedPublicMembersTests
{
    public static TheoryData<Type> PublicExceptionTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(EventLoop).Assembly.GetExportedTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).OrderBy(t => t.Name))
            data.Add(type);
        return data;
    }

    [Theory]
    [MemberData(nameof(PublicExceptionTypes))]
    public void PublicException_StandardConstructors_KeepTheMessageAndTheInnerException(Type type)
    {
        var inner = new Boom("inner");
        var withNothing = (Exception)Activator.CreateInstance(type)!;
        var withMessage = (Exception)Activator.CreateInstance(type, "the message")!;
        var withInner = (Exception)Activator.CreateInstance(type, "the message", inner)!;

        Assert.False(string.IsNullOrEmpty(withNothing.Message));
        Assert.Null(withNothing.InnerException);
        Assert.Equal("the message", withMessage.Message);
        Assert.Equal("the message", withInner.Message);
        Assert.Same(inner, withInner.InnerException);
    }

    [Fact]
    public void LoopThreadStartAsync_OfT_ReturnsTheStartedValueWhileTheBodyGoesOnRunning() => Guard.Run(() =>
    {
        using var host = new LoopThread();

        var port = Blocking.Result(host.StartAsync<int>(async (signal, ct) =>
        {
            signal.Started(8080);
            await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
        }));

        Assert.Equal(8080, port);
        Assert.True(host.IsRunning);
        Assert.Equal(TimeSpan.FromSeconds(5), host.StopTimeout); // the documented default
    });

    [Fact]
    public void LoopThreadStartAsync_ReturnsOnceTheBodySaysItStarted() => Guard.Run(() =>
    {
        using var host = new LoopThread();
        var steps = new List<string>();

        var started = host.StartAsync(async (signal, ct) =>
        {
            steps.Add("ready");
            signal.Started();
            await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
        });
        Blocking.Ended(started);

        Assert.True(started.IsCompletedSuccessfully);
        Assert.Equal(["ready"], steps);
    });

    [Fact]
    public void TaskManagerStartAsync_OfT_ReturnsTheStartedValueAndTheChildKeepsRunning() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var log = new EventLog(loop);

        var value = await tm.StartAsync<string>(async (signal, ct) =>
        {
            await EventLoop.Sleep(S(1));
            signal.Started("listening");
            await EventLoop.Sleep(S(2), ct);
            log.Add("server stopped");
        });
        log.Add($"started: {value}");

        await EventLoop.Sleep(S(5));
        Assert.Equal(["1s started: listening", "3s server stopped"], log.Entries);
    });

    [Fact]
    public void CurrentLoopHostStopTimeout_DefaultsToFiveSecondsAndKeepsWhatIsSet() => Virtual.Run(async loop =>
    {
        using var host = new CurrentLoopHost();
        using var patient = new CurrentLoopHost { StopTimeout = Timeout.InfiniteTimeSpan };

        Assert.Equal(TimeSpan.FromSeconds(5), host.StopTimeout);
        Assert.Equal(Timeout.InfiniteTimeSpan, patient.StopTimeout);
    });

    [Fact]
    public void AsyncEvent_CreatedOnTheLoopWithoutALoopArgument_BelongsToTheCurrentLoop() => Virtual.Run(async loop =>
    {
        var ready = new AsyncEvent();
        var log = new EventLog(loop);
        await using var tm = new TaskManager(loop);
        tm.Spawn(async () => { await ready.WaitAsync(); log.Add("woke"); });
        await EventLoop.Sleep(S(1));
        Assert.False(ready.IsSet);

        ready.Set();
        await EventLoop.Sleep(S(1));

        Assert.Equal(["1s woke"], log.Entries);
    });

    [Fact]
    public void CheckpointIsCanceled_OfASleepCancelledByItsToken_IsTrue() => Virtual.Run(async loop =>
    {
        using var cts = new CancellationTokenSource();
        var sleep = EventLoop.Sleep(S(10), cts.Token);
        var done = EventLoop.Sleep(S(1));
        Assert.False(sleep.IsCanceled);

        cts.Cancel();
        await done;

        Assert.True(sleep.IsCanceled);
        Assert.False(done.IsCanceled);
    });
}
