using System.Diagnostics;

namespace Nursery;

public sealed partial class TaskManager
{
    /// <summary>The scope's activity when someone listens to the "Nursery" ActivitySource.</summary>
    private Activity? _activity;

    /// <summary>A number that identifies this manager among the managers of its loop (shown in dumps and traces).</summary>
    internal int Id { get; private set; }

    /// <summary>The child whose code created this manager (a RunAsync body counts); null at the top of the loop.</summary>
    internal ChildTask? Owner => _parent.Child;

    /// <summary>The state a RunAsync body runs under, if this manager runs one.</summary>
    internal ChildTask? BodyScope => _bodyScope;

    /// <summary>"open", "joining" or "closed", for dumps.</summary>
    internal string StateName => _state.ToString().ToLowerInvariant();

    /// <summary>Whether someone is waiting in DisposeAsync (or RunAsync) for the children to end.</summary>
    internal bool IsJoining => _state == State.Joining;

    /// <summary>The children (the list itself, for diagnostics). Loop thread only.</summary>
    internal SegmentedList<ChildTask> ChildList => _children;

    /// <summary>
    /// A text picture of this manager and everything under it: each child's id, name, status, what it is
    /// waiting on, where it was spawned and its age on the loop clock. See <see cref="EventLoop.DumpTree"/>.
    /// </summary>
    /// <returns>The tree, one line per manager or child.</returns>
    public string DumpTree() => TreeDumper.Dump(this);

    /// <summary>Diagnostics when the manager is created: id, place in the tree, trace, activity.</summary>
    private void OnOpened()
    {
        Id = _loop.NextManagerId();
        _loop.Trace?.ManagerOpened(this, Owner);
        if (NurseryTelemetry.ActivitySource.HasListeners()) StartActivity();
    }

    /// <summary>Diagnostics when the manager closes.</summary>
    private void OnClosed()
    {
        _loop.Trace?.ManagerClosed(this);
        if (_activity is { } activity)
        {
            activity.SetTag("nursery.children", _children.Count);
            activity.SetTag("nursery.failures", _failures?.Count ?? 0);
            if (_failures is { Count: > 0 }) activity.SetStatus(ActivityStatusCode.Error, _failures[0].Message);
            activity.Stop();
        }
    }

    private void StartActivity()
    {
        // Nested scopes parent to the scope they are nested in, found through the tree rather than Activity.Current,
        // and Activity.Current is put back at once: the scope's end (DisposeAsync) runs in an async continuation
        // that could not restore it in the caller's flow.
        var previous = Activity.Current;
        var parent = Owner?.Manager.Activity?.Context ?? previous?.Context ?? default;
        _activity = NurseryTelemetry.ActivitySource.StartActivity("Nursery.TaskManager", ActivityKind.Internal, parent);
        _activity?.SetTag("nursery.manager.id", Id);
        if (Options.Name is { } name && _activity is { } named)
        {
            named.DisplayName = $"Nursery.TaskManager {name}";
            named.SetTag("nursery.manager.name", name);
        }
        if (Options.MaxConcurrency != int.MaxValue) _activity?.SetTag("nursery.manager.max_concurrency", Options.MaxConcurrency);
        if (Options.FailurePolicy != FailurePolicy.CancelSiblings) _activity?.SetTag("nursery.manager.failure_policy", Options.FailurePolicy.ToString());
        Activity.Current = previous;
    }

    /// <summary>The scope's activity, if one was started.</summary>
    internal Activity? Activity => _activity;
}
