using System.Runtime.CompilerServices;

namespace Nursery;

// Named children: the same operations as TaskManager.Spawn.cs, plus a name and the caller's file and line,
// which DumpTree and traces show. A separate overload set (rather than optional parameters on the contract's
// signatures) keeps those signatures exactly as specified; `tm.Spawn(body)` still binds to them.
public sealed partial class TaskManager
{

    /// <summary>Spawns a named child: like <see cref="Spawn{T}(Func{CancellationToken, Task{T}})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Spawn<T>(Func<CancellationToken, Task<T>> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        var child = new ChildTask<T>(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, null);
    }

    /// <summary>Spawns a named child: like <see cref="Spawn(Func{CancellationToken, Task})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Spawn(Func<CancellationToken, Task> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        var child = new ChildTask(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, null);
    }

    /// <summary>Spawns a named child: like <see cref="Spawn{T}(Func{Task{T}})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Spawn<T>(Func<Task<T>> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        var child = new ChildTask<T>(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, null);
    }

    /// <summary>Spawns a named child: like <see cref="Spawn(Func{Task})"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <param name="body">The child's code.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Spawn(Func<Task> body, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, TimeSpan.Zero);
        var child = new ChildTask(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, null);
    }

    /// <summary>Schedules a named child: like <see cref="Schedule{T}(Func{CancellationToken, Task{T}}, TimeSpan)"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Schedule<T>(Func<CancellationToken, Task<T>> body, TimeSpan delay, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, delay);
        var child = new ChildTask<T>(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, delay);
    }

    /// <summary>Schedules a named child: like <see cref="Schedule(Func{CancellationToken, Task}, TimeSpan)"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Schedule(Func<CancellationToken, Task> body, TimeSpan delay, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, delay);
        var child = new ChildTask(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, delay);
    }

    /// <summary>Schedules a named child: like <see cref="Schedule{T}(Func{Task{T}}, TimeSpan)"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <typeparam name="T">The child's result type.</typeparam>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask<T> Schedule<T>(Func<Task<T>> body, TimeSpan delay, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, delay);
        var child = new ChildTask<T>(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, delay);
    }

    /// <summary>Schedules a named child: like <see cref="Schedule(Func{Task}, TimeSpan)"/>, and the name and spawn site appear in <see cref="DumpTree"/> and traces.</summary>
    /// <param name="body">The child's code.</param>
    /// <param name="delay">How long to wait before starting; zero or positive.</param>
    /// <param name="name">A name for diagnostics (null for none).</param>
    /// <param name="callerFilePath">Filled in by the compiler: the file that spawns the child.</param>
    /// <param name="callerLineNumber">Filled in by the compiler: the line that spawns the child.</param>
    /// <returns>A handle to the child.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The manager has finished joining, or this is not the loop's thread.</exception>
    public ChildTask Schedule(Func<Task> body, TimeSpan delay, string? name, [CallerFilePath] string callerFilePath = "", [CallerLineNumber] int callerLineNumber = 0)
    {
        Validate(body, delay);
        var child = new ChildTask(this, _loop.NextId(), body);
        child.Describe(name, SpawnSite(callerFilePath, callerLineNumber));
        return Admit(child, delay);
    }

    private static string? SpawnSite(string file, int line) => string.IsNullOrEmpty(file) ? null : $"{file}:{line}";
}
