using System.Collections.Immutable;

namespace Nursery;

// Typed views of the results, so callers need not cast the objects in Values.
public sealed partial class TaskManager
{
    /// <summary>
    /// The results of the children spawned with a result of type <typeparamref name="T"/> that ran to completion, in
    /// spawn order: the typed view of <see cref="Values"/>. Children of other types, and cancelled or faulted children, are left out.
    /// </summary>
    /// <typeparam name="T">The result type of the children to collect (as spawned: <c>Spawn&lt;T&gt;</c>).</typeparam>
    /// <returns>The results, in spawn order.</returns>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public IReadOnlyList<T> ResultsOf<T>()
    {
        ThrowIfNotReadable();
        var results = new List<T>();
        for (var i = 0; i < _children.Count; i++)
        {
            if (_children[i] is ChildTask<T> { Status: ChildTaskStatus.Completed } child) results.Add(child.Result);
        }
        return results;
    }

    /// <summary>
    /// The completed children with a result of type <typeparamref name="T"/>, each with its result: the typed view of
    /// <see cref="Values"/> (it enumerates in spawn order, like Values).
    /// </summary>
    /// <typeparam name="T">The result type of the children to collect (as spawned: <c>Spawn&lt;T&gt;</c>).</typeparam>
    /// <returns>Each completed <see cref="ChildTask{T}"/> with its result.</returns>
    /// <exception cref="InvalidOperationException">Read from another thread while the loop is running.</exception>
    public ImmutableDictionary<ChildTask<T>, T> ValuesOf<T>()
    {
        ThrowIfNotReadable();
        var builder = ImmutableDictionary.CreateBuilder<ChildTask<T>, T>();
        for (var i = 0; i < _children.Count; i++)
        {
            if (_children[i] is ChildTask<T> { Status: ChildTaskStatus.Completed } child) builder.Add(child, child.Result);
        }
        return builder.ToImmutable();
    }
}
