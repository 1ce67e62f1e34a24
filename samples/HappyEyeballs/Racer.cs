using System.Net;
using System.Net.Sockets;
using System.Text;
using Nursery;

namespace HappyEyeballs;

/// <summary>A connection that won the race: the socket and the greeting the server sent.</summary>
internal sealed record Connection(IPEndPoint Endpoint, Socket Socket, string Greeting) : IDisposable
{
    public void Dispose() => Socket.Dispose();
}

/// <summary>
/// RFC 8305-style connection racing ("Happy Eyeballs") with a TaskManager. Attempt k is scheduled k × stagger
/// after the race starts; when an attempt fails, the next one is moved up to start at once (and the ones after it
/// keep their spacing); the first attempt to connect cancels all the others. The manager guarantees that no
/// attempt outlives the race, and a cancelled scheduled attempt never even starts. The whole race runs under
/// <see cref="CancelScope.FailAfter(TimeSpan, Func{CancellationToken, Task})"/>: when no address has connected by the
/// overall deadline, every attempt still running is cancelled and has ended before the TimeoutException comes out.
/// </summary>
internal sealed class Racer(TimeSpan stagger, TimeSpan overallDeadline, Action<string> log)
{
    public async Task<Connection> ConnectAsync(IReadOnlyList<IPEndPoint> endpoints)
    {
        Connection? winner = null;
        var failures = new List<Exception>();
        var attempts = new ChildTask[endpoints.Count];
        var began = new bool[endpoints.Count];

        try
        {
            await CancelScope.FailAfter(overallDeadline, _ => RaceAsync());
        }
        catch (TimeoutException)
        {
            log($"no address connected within {overallDeadline.TotalMilliseconds:0} ms; every attempt has been cancelled");
            throw;
        }

        Task RaceAsync() => TaskManager.RunAsync(async tm =>
        {
            for (var k = 0; k < endpoints.Count; k++) attempts[k] = Schedule(tm, k, stagger * k);

            ChildTask Schedule(TaskManager tm, int k, TimeSpan delay) =>
                tm.Schedule(ct => AttemptAsync(tm, k, ct), delay, name: $"attempt {k} {endpoints[k]}");

            async Task AttemptAsync(TaskManager tm, int k, CancellationToken ct)
            {
                var endpoint = endpoints[k];
                began[k] = true;
                log($"attempt {k} -> {endpoint}: connecting");
                try
                {
                    var connection = await ConnectOnceAsync(endpoint, ct);
                    if (winner is not null)
                    {
                        connection.Dispose(); // lost a photo finish in the same turn
                        return;
                    }
                    winner = connection;
                    log($"attempt {k} -> {endpoint}: connected (\"{connection.Greeting}\"); cancelling the others");
                    tm.Cancel();
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    // An address that does not work is an expected outcome, not a reason to stop the race: record it
                    // as a value, and move the next attempts up instead of letting the stagger delay run out.
                    log($"attempt {k} -> {endpoint}: failed ({e.Message})");
                    failures.Add(e);
                    MoveUp(tm, k + 1);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    log($"attempt {k} -> {endpoint}: cancelled");
                    throw;
                }
            }

            void MoveUp(TaskManager tm, int first)
            {
                for (var k = first; k < attempts.Length; k++)
                {
                    if (attempts[k].Status != ChildTaskStatus.Scheduled) continue;
                    attempts[k].Cancel(); // never runs its body
                    attempts[k] = Schedule(tm, k, stagger * (k - first));
                }
            }
        });

        for (var k = 0; k < attempts.Length; k++)
        {
            if (!began[k]) log($"attempt {k} -> {endpoints[k]}: {attempts[k].Status} before it started (its body never ran)");
        }
        return winner ?? throw new AggregateException("Every address failed.", failures);
    }

    private static async Task<Connection> ConnectOnceAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, ct);
            var buffer = new byte[128];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0) throw new IOException("the server closed the connection before greeting");
            return new Connection(endpoint, socket, Encoding.ASCII.GetString(buffer, 0, read).TrimEnd('\n'));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
