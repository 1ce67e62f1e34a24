using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HappyEyeballs;

/// <summary>
/// Local stand-ins for the addresses a host name resolves to: TCP servers on 127.0.0.1 that answer the
/// connection's greeting after a chosen delay, and ports where nothing listens (the connection is refused).
/// </summary>
/// <remarks>
/// A real slow host delays the TCP handshake itself, which a loopback listener cannot do (the kernel completes the
/// handshake); so an attempt here counts as connected once the server's greeting line arrives, and a "slow" server
/// is one that waits before greeting.
/// </remarks>
internal sealed class FakeServers : IAsyncDisposable
{
    private readonly List<TcpListener> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _acceptLoops = [];

    /// <summary>A server that greets "hello from {name}" after <paramref name="greetingDelay"/>.</summary>
    public IPEndPoint Slow(string name, TimeSpan greetingDelay)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _listeners.Add(listener);
        _acceptLoops.Add(AcceptLoopAsync(listener, name, greetingDelay, _stop.Token));
        return (IPEndPoint)listener.LocalEndpoint;
    }

    /// <summary>A port where nothing listens: connecting to it is refused at once.</summary>
    public static IPEndPoint Refusing()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var endpoint = (IPEndPoint)probe.LocalEndpoint;
        probe.Stop();
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var listener in _listeners) listener.Stop();
        try { await Task.WhenAll(_acceptLoops); }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
        _stop.Dispose();
    }

    // These servers are plain thread-pool code, deliberately outside the event loop: they play the remote hosts.
    private static async Task AcceptLoopAsync(TcpListener listener, string name, TimeSpan delay, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            _ = GreetAsync(client, name, delay, stop);
        }
    }

    private static async Task GreetAsync(TcpClient client, string name, TimeSpan delay, CancellationToken stop)
    {
        using (client)
        {
            try
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
                var greeting = Encoding.ASCII.GetBytes($"hello from {name}\n");
                await client.GetStream().WriteAsync(greeting, stop).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false); // keep the connection open until shutdown
            }
            catch (OperationCanceledException) { }
            catch (IOException) { } // the client gave up on this attempt and closed the connection
        }
    }
}
