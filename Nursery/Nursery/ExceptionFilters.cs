using System.Diagnostics.CodeAnalysis;

namespace Nursery;

/// <summary>
/// Typed catches that work whatever shape a join's failure takes. A <see cref="TaskManager"/> rethrows one failure as
/// itself and several as an <see cref="AggregateException"/>, so <c>catch (InvalidDataException)</c> passes every test
/// and then misses the day a sibling's cleanup throws too. Write the catch as a filter instead:
/// <code>
/// catch (Exception e) when (e.Has&lt;InvalidDataException&gt;(out var bad)) { ... bad ... }
/// </code>
/// </summary>
/// <remarks>
/// The filters look through <see cref="AggregateException"/>s at any depth (a nested manager's failures inside an outer
/// one's), in order, and nowhere else (an exception's <see cref="Exception.InnerException"/> is its own business: a
/// <see cref="TimeoutException"/> from a deadline is a timeout, not the cancellation inside it).
/// </remarks>
public static class ExceptionFilters
{
    /// <summary>Whether <paramref name="exception"/> is a <typeparamref name="TException"/> or an aggregate that holds one.</summary>
    /// <typeparam name="TException">The failure type to look for (derived types match too).</typeparam>
    /// <param name="exception">What a join (or anything else) threw.</param>
    /// <returns>True when at least one of the failures is a <typeparamref name="TException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static bool Has<TException>(this Exception exception)
        where TException : Exception => exception.Has<TException>(out _);

    /// <summary>
    /// Whether <paramref name="exception"/> is a <typeparamref name="TException"/> or an aggregate that holds one; the
    /// first such failure (in the order they happened) comes out in <paramref name="match"/>.
    /// </summary>
    /// <typeparam name="TException">The failure type to look for (derived types match too).</typeparam>
    /// <param name="exception">What a join (or anything else) threw.</param>
    /// <param name="match">The first failure of that type, when there is one.</param>
    /// <returns>True when at least one of the failures is a <typeparamref name="TException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static bool Has<TException>(this Exception exception, [NotNullWhen(true)] out TException? match)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var leaf in exception.Failures())
        {
            if (leaf is TException found)
            {
                match = found;
                return true;
            }
        }
        match = null;
        return false;
    }

    /// <summary>Whether every failure in <paramref name="exception"/> is a <typeparamref name="TException"/> (say, every one a timeout).</summary>
    /// <typeparam name="TException">The failure type.</typeparam>
    /// <param name="exception">What a join (or anything else) threw.</param>
    /// <returns>True when each failure is a <typeparamref name="TException"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static bool HasOnly<TException>(this Exception exception)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Failures().All(static leaf => leaf is TException);
    }

    /// <summary>
    /// The failures in <paramref name="exception"/>: itself, or the inner exceptions of an <see cref="AggregateException"/>
    /// (flattened at any depth), in the order they happened.
    /// </summary>
    /// <param name="exception">What a join (or anything else) threw.</param>
    /// <returns>The failures, never empty (an empty aggregate counts as itself).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static IReadOnlyList<Exception> Failures(this Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is not AggregateException { InnerExceptions.Count: > 0 }) return [exception];
        var leaves = new List<Exception>();
        var stack = new Stack<Exception>();
        stack.Push(exception);
        while (stack.TryPop(out var next))
        {
            if (next is AggregateException { InnerExceptions: { Count: > 0 } inner })
            {
                for (var i = inner.Count - 1; i >= 0; i--) stack.Push(inner[i]);
            }
            else
            {
                leaves.Add(next);
            }
        }
        return leaves;
    }
}
