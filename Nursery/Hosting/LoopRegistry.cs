using System.Collections.Immutable;

namespace Nursery;

/// <summary>
/// Loop hosts by id, scoped to the execution context: a host registered by some code is found again by that code
/// and by the threads and tasks it starts, and not by unrelated threads. The .NET form of "a loop per thread,
/// inherited by child threads", with ids as namespaces (different ids are different hosts).
/// </summary>
/// <remarks>
/// <para>
/// Lineage is the .NET <see cref="ExecutionContext"/> (an <see cref="AsyncLocal{T}"/>): threads started with
/// <see cref="Thread.Start()"/>, <see cref="Task.Run(Action)"/> and <c>await</c> continuations inherit the
/// registrations of the code that started them; a thread started with flow suppressed
/// (<see cref="ExecutionContext.SuppressFlow"/>, <see cref="Thread.UnsafeStart()"/>) is unrelated. A registration
/// made inside an <c>async</c> method is not visible to its caller after the method returns (the method's
/// changes to the context are undone when it returns), while one made in a synchronous method is. Registrations
/// made by a child thread or task are not visible to its parent or siblings.
/// </para>
/// <para>
/// Thread-safe. The registry never stops a host: stop or dispose it yourself. A host that has been stopped counts
/// as not found, and <see cref="GetOrCreate"/> replaces it with a new one.
/// </para>
/// </remarks>
public static class LoopRegistry
{
    /// <summary>Stands for the null id, which is a key of its own.</summary>
    private static readonly object s_defaultId = new();

    /// <summary>The hosts registered in the current execution context. Immutable, so contexts share it safely.</summary>
    private static readonly AsyncLocal<ImmutableDictionary<object, LoopThread>?> s_hosts = new();

    /// <summary>Guards <see cref="s_live"/>.</summary>
    private static readonly Lock s_liveGate = new();

    /// <summary>Live hosts of the whole process, in the order they started. Guarded by <see cref="s_liveGate"/>.</summary>
    private static readonly List<LoopThread> s_live = [];

    /// <summary>
    /// The running host registered for <paramref name="id"/> in the current execution context; a new one
    /// (started, and registered for this context) if there is none.
    /// </summary>
    /// <param name="id">The namespace; compared with <see cref="object.Equals(object?)"/>. <see langword="null"/> is a key of its own.</param>
    /// <param name="forceCreate">Always make a new host and register it for this context; the one it replaces keeps running.</param>
    /// <param name="strictlyGet">Never create: throw <see cref="LoopHostNotFoundException"/> when no running host is registered.</param>
    /// <returns>A running <see cref="LoopThread"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="forceCreate"/> and <paramref name="strictlyGet"/> are both true.</exception>
    /// <exception cref="LoopHostNotFoundException"><paramref name="strictlyGet"/> is true and no running host is registered for <paramref name="id"/>.</exception>
    /// <exception cref="LoopHostException">A new host could not be started.</exception>
    public static LoopThread GetOrCreate(object? id = null, bool forceCreate = false, bool strictlyGet = false)
    {
        if (forceCreate && strictlyGet)
        {
            throw new ArgumentException(
                "forceCreate and strictlyGet cannot both be true: one always makes a new host, the other never does. Pass at most one of them.",
                nameof(strictlyGet));
        }
        var key = id ?? s_defaultId;
        var hosts = s_hosts.Value ?? ImmutableDictionary<object, LoopThread>.Empty;
        LoopThread? found = null;
        if (!forceCreate && hosts.TryGetValue(key, out found) && !found.IsStopRequested) return found;
        if (strictlyGet) throw NotFound(id, stopped: found is not null);

        var host = new LoopThread();
        host.MarkRegistered(id);
        host.EnsureRunning();
        s_hosts.Value = hosts.SetItem(key, host);
        return host;
    }

    /// <summary>
    /// Every live <see cref="LoopThread"/> in the process, oldest first: started (or starting) and not stopped yet,
    /// whoever created it (the registry, <c>new LoopThread(...)</c>, a <see cref="SharedLoop"/>, a <see cref="Dispatcher"/>)
    /// and whatever execution context registered it. A snapshot: each host's <see cref="LoopThread.RegistryId"/>,
    /// <see cref="LoopThread.CreatedOnThread"/>, <see cref="LoopThread.TaskType"/> and <see cref="LoopThread.State"/>
    /// say what it is, and its <see cref="LoopThread.ToString"/> says all of that in one line. A host leaves the list once
    /// its loop thread has finished.
    /// </summary>
    /// <remarks>Thread-safe. For a leak hunt: print it at the end of a test run, and every line is a host nobody stopped.</remarks>
    public static IReadOnlyList<LoopThread> Hosts
    {
        get
        {
            lock (s_liveGate) return [.. s_live];
        }
    }

    /// <summary>A host's thread is starting: it joins <see cref="Hosts"/>.</summary>
    internal static void Started(LoopThread host)
    {
        lock (s_liveGate) s_live.Add(host);
    }

    /// <summary>A host's thread has finished (or could not start): it leaves <see cref="Hosts"/>.</summary>
    internal static void Stopped(LoopThread host)
    {
        lock (s_liveGate) s_live.Remove(host);
    }

    private static LoopHostNotFoundException NotFound(object? id, bool stopped)
    {
        var name = id is null ? "the default id (null)" : $"id '{id}'";
        var why = stopped
            ? $"The host registered for {name} in this execution context has been stopped."
            : $"No loop host is registered for {name} in this execution context.";
        return new LoopHostNotFoundException(id,
            $"{why} Registrations flow to the threads and tasks started from the code that made them, not to unrelated " +
            "threads (or threads started with flow suppressed), and one made inside an async method is gone once it returns. " +
            "Call LoopRegistry.GetOrCreate without strictlyGet to create one.");
    }
}
