namespace Nursery.Tests.Loop;

public class SmokeTests
{
    [Fact]
    public void Run_WithVirtualClock_ReturnsMainsResultAfterVirtualSleep()
    {
        var result = Virtual.Run(async loop =>
        {
            await EventLoop.Sleep(S(3600));
            return loop.Now;
        });
        Assert.Equal(TimeSpan.FromHours(1), result);
    }
}
