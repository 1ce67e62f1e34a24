namespace Nursery.Tests.Hosting;

/// <summary>A running host for the contract tests, used from the test's own thread (off its loop), and how to end it.</summary>
public sealed class HostUnderTest(ILoopHost host, Action end) : IDisposable
{
    public ILoopHost Host { get; } = host;

    public void Dispose() => end();
}
