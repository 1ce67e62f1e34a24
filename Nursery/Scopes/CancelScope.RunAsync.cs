using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Nursery;

public sealed partial class CancelScope
{
    /// <summary>
    /// Enters the scope and runs <paramref name="body"/> inside it, on the calling code's loop. Returns normally when
    /// the body ends, or when the scope's own cancellation cut it short (<see cref="CancelledCaught"/>); any other
    /// outcome (a failure, a cancellation from outside the scope) passes through unchanged.
    /// </summary>
    /// <param name="body">The code the scope covers; it receives <see cref="Token"/>.</param>
    /// <returns>A task that ends when the body has ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// Not called on an event loop thread; the scope was entered before (a scope covers one block of code, once); or
    /// this is a manager's own scope, which its manager enters.
    /// </exception>
    public Task RunAsync(Func<CancellationToken, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return ExitWhenDoneAsync(EnterAndStartAsync(body), failOnTimeout: false);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a deadline <paramref name="delay"/> from now (Trio's <c>move_on_after</c>): when
    /// the deadline passes, the body is cancelled and the caller moves on.
    /// </summary>
    /// <param name="delay">How long the body may run; zero or positive.</param>
    /// <param name="body">The code to run; it receives the scope's token.</param>
    /// <returns><see langword="true"/> if the body finished; <see langword="false"/> if the deadline cut it short.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
#pragma warning disable VSTHRD200 // The contract names these after Trio's move_on_after, fail_after and shielded scopes.
    public static Task<bool> MoveOnAfter(TimeSpan delay, Func<CancellationToken, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var scope = AfterDelay(delay);
        return scope.MoveOnWhenDoneAsync(scope.EnterAndStartAsync(body));
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a deadline <paramref name="delay"/> from now (Trio's <c>fail_after</c>): when
    /// the deadline passes, the body is cancelled and, once it has ended, <see cref="TimeoutException"/> is thrown.
    /// </summary>
    /// <param name="delay">How long the body may run; zero or positive.</param>
    /// <param name="body">The code to run; it receives the scope's token.</param>
    /// <returns>A task that ends when the body has ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="TimeoutException">
    /// This deadline cut the body short (only this one: a cancellation from outside passes through as it is). Its
    /// <see cref="Exception.InnerException"/> is the <see cref="OperationCanceledException"/> the body ended with.
    /// </exception>
    public static Task FailAfter(TimeSpan delay, Func<CancellationToken, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var scope = AfterDelay(delay);
        return scope.ExitWhenDoneAsync(scope.EnterAndStartAsync(body), failOnTimeout: true);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a deadline <paramref name="delay"/> from now and returns its result, or throws
    /// <see cref="TimeoutException"/> when the deadline cut it short. See <see cref="FailAfter(TimeSpan, Func{CancellationToken, Task})"/>.
    /// </summary>
    /// <typeparam name="T">The body's result type.</typeparam>
    /// <param name="delay">How long the body may run; zero or positive.</param>
    /// <param name="body">The code to run; it receives the scope's token.</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    /// <exception cref="TimeoutException">This deadline cut the body short; the inner exception is the body's <see cref="OperationCanceledException"/>.</exception>
    public static Task<T> FailAfter<T>(TimeSpan delay, Func<CancellationToken, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var scope = AfterDelay(delay);
        return scope.FailWhenDoneAsync(scope.EnterAndStartAsync(body));
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a shielded scope: cancellations from outside do not reach it, so cleanup that
    /// must finish (closing a connection, writing a last record) is not cut short. Once it has ended, the next
    /// checkpoint outside it sees any pending cancellation again.
    /// </summary>
    /// <param name="body">The code to protect; it receives the shielded scope's token.</param>
    /// <returns>A task that ends when the body has ended.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Not called on an event loop thread.</exception>
    public static Task Shielded(Func<CancellationToken, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return new CancelScope { Shield = true }.RunAsync(body);
    }
#pragma warning restore VSTHRD200

    /// <summary>Enters the scope under the code running now: fixes the deadline, links the body's context into the tree.</summary>
    private ScopeContext Enter(EventLoop loop)
    {
        if (_manager is not null)
        {
            throw new InvalidOperationException(
                "This is the CancelScope of a TaskManager: it covers the manager's children and is entered by the manager " +
                "itself. To cover a block of code, create a new CancelScope (or use CancelScope.MoveOnAfter/FailAfter).");
        }
        var parent = LoopSynchronizationContext.CurrentOrRoot(loop);
        ScopeContext context;
        lock (Gate)
        {
            if (_state != NotEntered)
            {
                throw new InvalidOperationException(
                    "This CancelScope has already been entered. A scope covers one block of code, once: create a new " +
                    "CancelScope for each block.");
            }
            if (_relativeDelay is { } delay)
            {
                _deadline = loop.DeadlineAfter(delay);
                _relativeDelay = null;
            }
            context = _context = new ScopeContext(this, parent);
            _state = Entered;
        }
        parent.AddNested(context);
        loop.Trace?.ScopeEntered(context, _deadline);

        // What is in force already reaches the body at once; its first checkpoint throws.
        if (_cancelRequested) ApplyCancel();
        else if (_deadline <= loop.Now) FireDeadline();
        else if (_deadline != TimeSpan.MaxValue) loop.Timers.Add(this, _deadline);
        if (!_shield && parent.IsCancelled && !context.IsCancelled) CancelTree.CancelFromParent(context, parent.Cause!);
        return context;
    }

    /// <summary>Enters the scope and calls <paramref name="body"/> under its context; returns the body's task.</summary>
    private Task EnterAndStartAsync(Func<CancellationToken, Task> body)
    {
        var loop = EventLoop.Current ?? throw ThrowHelper.NotOnLoop("CancelScope.RunAsync");
        var context = Enter(loop);
        var caller = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            return body(Token) ?? Task.FromException(new InvalidOperationException("The body passed to CancelScope.RunAsync returned null instead of a Task."));
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(caller);
        }
    }

    /// <summary>Enters the scope and calls <paramref name="body"/> under its context; returns the body's task (FailAfter&lt;T&gt;).</summary>
    private Task<T> EnterAndStartAsync<T>(Func<CancellationToken, Task<T>> body)
    {
        var loop = EventLoop.Current ?? throw ThrowHelper.NotOnLoop("CancelScope.FailAfter");
        var context = Enter(loop);
        var caller = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            return body(Token) ?? Task.FromException<T>(new InvalidOperationException("The body passed to CancelScope.FailAfter returned null instead of a Task."));
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(caller);
        }
    }

    /// <summary>
    /// Waits for the body, leaves the scope, and rethrows what is not this scope's to absorb (RunAsync, FailAfter). One
    /// async method per helper does it all, so a FailAfter or MoveOnAfter costs no more tasks than a RunAsync.
    /// </summary>
    private async Task ExitWhenDoneAsync(Task body, bool failOnTimeout)
    {
        if (!body.IsCompleted) await WhenEnded(body);
        LeaveAndThrow(body, failOnTimeout);
    }

    /// <summary>MoveOnAfter: waits for the body, leaves the scope; false when its own deadline cut the body short.</summary>
    private async Task<bool> MoveOnWhenDoneAsync(Task body)
    {
        if (!body.IsCompleted) await WhenEnded(body);
        LeaveAndThrow(body, failOnTimeout: false);
        return !_cancelledCaught;
    }

    /// <summary>FailAfter&lt;T&gt;: waits for the body, leaves the scope, and returns the body's result.</summary>
    private async Task<T> FailWhenDoneAsync<T>(Task<T> body)
    {
        if (!body.IsCompleted) await WhenEnded(body);
        LeaveAndThrow(body, failOnTimeout: true);
#pragma warning disable VSTHRD103 // The body has ended (awaited above) and did not fail: its result is there.
        return body.Result;
#pragma warning restore VSTHRD103
    }

    /// <summary>
    /// The body's end, awaited in the caller's context (the code that entered the scope): the exit runs there, on the
    /// loop, on a turn of its own. Never throws; the outcome is read from the body's task.
    /// </summary>
    private static ConfiguredTaskAwaitable WhenEnded(Task body) =>
        body.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

    /// <summary>Leaves the scope and throws what RunAsync or FailAfter must throw.</summary>
    private void LeaveAndThrow(Task body, bool failOnTimeout)
    {
        if (Exit(body) is { } failure) ExceptionDispatchInfo.Throw(failure);
        if (failOnTimeout) ThrowIfTimedOut();
    }

    /// <summary>Leaves the scope; returns the exception RunAsync must throw, or null. Loop thread only.</summary>
    private Exception? Exit(Task body)
    {
        var context = _context!;
        var loop = context.Loop;
        lock (Gate) _state = Exited;
        loop.Timers.Remove(this);
        context.ParentContext.RemoveNested(context);
        // Nothing the body started outlives the scope: leftover sleeps (the loser of a WhenAny) are cancelled.
        context.CancelSleeps();
        var leaked = TaskManager.OrphanOpenManagers(context, static _ => "the body of a CancelScope", (object?)null);
        loop.Trace?.ScopeExited(context);

        Exception? failure = null;
        var ownCancellationIsCaught = _cancelRequested && (_shield || !context.ParentContext.IsCancelled);
        if (body.IsCompletedSuccessfully && context.WasCutShort)
        {
            // The body ended normally right after the join of a manager that the cancellation cut short (a join returns
            // normally when cancelled): the body was cut short all the same. The scope's own cancellation is absorbed as
            // if the body had ended with it; one from outside passes through, rather than let the caller go on as if the
            // work had finished.
            if (ownCancellationIsCaught)
            {
                _cancelledCaught = true;
                _caught = context.CancellationException();
            }
            else
            {
                failure = context.CancellationException();
                context.ParentContext.NoteCutShort();
            }
        }
        else if (body.IsCompletedSuccessfully)
        {
            // ran to the end
        }
        else if (TaskOutcomes.IsCancellation(body) && ownCancellationIsCaught && !context.Carries(body))
        {
            // Cut short by this scope's own cancellation, and nothing from outside is pending for the caller: absorb it.
            _cancelledCaught = true;
            _caught = TaskOutcomes.Of(body) as OperationCanceledException;
        }
        else
        {
            failure = TaskOutcomes.Of(body);
        }

        if (leaked is null && _callbackFailures is null) return failure;
        var all = new List<Exception>();
        if (failure is not null) all.Add(failure);
        if (leaked is not null) all.Add(leaked);
        if (_callbackFailures is not null) all.AddRange(_callbackFailures);
        return TaskOutcomes.Combine(all);
    }

    /// <summary>FailAfter's rule: its own deadline cut the body short.</summary>
    private void ThrowIfTimedOut()
    {
        if (!_cancelledCaught || _cause is not { IsDeadline: true } cause) return;
        throw new TimeoutException(
            $"The operation did not finish before its deadline ({cause.Reason}); it was cancelled and has ended.", _caught);
    }
}
