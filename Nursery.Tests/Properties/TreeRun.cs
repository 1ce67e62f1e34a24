using System.Globalization;
using System.Runtime.ExceptionServices;

namespace Nursery.Tests.Properties;

/// <summary>
/// Runs a random <see cref="ScopePlan"/> on a loop and records what happened: an event log stamped with virtual
/// time, every manager with its children, and every Boom thrown.
/// </summary>
/// <remarks>
/// The interpreter plays a careful user: an 'await using' whose body fails while its join fails too reports both
/// (C# itself would let the join's exception replace the body's). That keeps "every failure is reported" a
/// property of the library, not of C#'s using statement.
/// </remarks>
public sealed class TreeRun
{
    private readonly EventLoop _loop;
    private int _nextValue;
    private int _nextName;

    private TreeRun(EventLoop loop) => _loop = loop;

    public List<string> Log { get; } = [];

    /// <summary>Every Boom thrown, in order.</summary>
    public List<Boom> Thrown { get; } = [];

    /// <summary>Every manager, in creation order; the first is the top one.</summary>
    public List<ManagerTrace> Managers { get; } = [];

    /// <summary>What the whole program threw.</summary>
    public Exception? Outcome { get; private set; }

    public static async Task<TreeRun> ExecuteAsync(EventLoop loop, ScopePlan program)
    {
        var run = new TreeRun(loop);
        try
        {
            await run.ScopeAsync(program, "m", OnCancel.Propagate);
        }
        catch (Exception e)
        {
            run.Outcome = e;
        }
        foreach (var trace in run.Managers)
        {
            foreach (var child in trace.Manager.Children) run.Add($"end {trace.Names[child]} #{child.Id} {child.Status}");
        }
        run.Add($"outcome {string.Join(", ", Catch.Leaves(run.Outcome).Select(e => e.Message))}");
        return run;
    }

    private void Add(string what) => Log.Add(string.Create(CultureInfo.InvariantCulture, $"{_loop.Now.TotalMilliseconds}ms {what}"));

    private Boom NewBoom(string where)
    {
        var boom = new Boom($"{where} #{Thrown.Count}");
        Thrown.Add(boom);
        Add($"throw {boom.Tag}");
        return boom;
    }

    private async Task ScopeAsync(ScopePlan plan, string name, OnCancel enclosing)
    {
        var trace = new ManagerTrace(name, plan.RunAsync) { MaxConcurrency = plan.MaxConcurrency ?? int.MaxValue };
        Managers.Add(trace);
        if (plan.RunAsync)
        {
            try
            {
                await TaskManager.RunAsync(plan.Options, async tm =>
                {
                    trace.Manager = tm;
                    SpawnAll(trace, plan.Children);
                    try
                    {
                        // The body is part of the group: a cancellation of the group ends it (not a failure).
                        await StepsAsync(plan.Body, trace, $"{name}.body", OnCancel.Propagate);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        trace.BodyFailure = e;
                        throw;
                    }
                });
            }
            catch (Exception e)
            {
                trace.JoinThrew = e;
                Add($"{name} join threw");
                throw;
            }
            Add($"{name} joined");
            return;
        }

        var manager = new TaskManager(_loop, plan.Options);
        trace.Manager = manager;
        SpawnAll(trace, plan.Children);
        Exception? bodyFailure = null;
        try
        {
            // The body is the enclosing code's own: its checkpoints follow the enclosing child's reaction, except that
            // failing there could be hidden by the join's exception, so that reaction becomes plain propagation.
            await StepsAsync(plan.Body, trace, $"{name}.body", enclosing == OnCancel.Fail ? OnCancel.Propagate : enclosing);
        }
        catch (Exception e)
        {
            bodyFailure = e;
        }
        try
        {
            await manager.DisposeAsync();
        }
        catch (Exception e)
        {
            trace.JoinThrew = e;
            Add($"{name} join threw");
            if (bodyFailure is null or OperationCanceledException) throw;
            throw new AggregateException(bodyFailure, e);
        }
        Add($"{name} joined");
        if (bodyFailure is not null) ExceptionDispatchInfo.Throw(bodyFailure);
    }

    private void SpawnAll(ManagerTrace trace, IReadOnlyList<ChildPlan> children)
    {
        foreach (var child in children) Spawn(trace, child);
    }

    private void Spawn(ManagerTrace trace, ChildPlan plan)
    {
        var (name, value, body, valued) = Prepare(trace, plan);
        var tm = trace.Manager;
        Func<Task> Body = body;
        Func<Task<int>> Valued = valued;

        ChildTask child = (plan.HasResult, plan.TakesToken, plan.DelayMs) switch
        {
            (true, true, null) => tm.Spawn(ct => Valued()),
            (true, false, null) => tm.Spawn(Valued),
            (false, true, null) => tm.Spawn(ct => Body()),
            (false, false, null) => tm.Spawn(Body),
            (true, true, { } d) => tm.Schedule(ct => Valued(), TimeSpan.FromMilliseconds(d)),
            (true, false, { } d) => tm.Schedule(Valued, TimeSpan.FromMilliseconds(d)),
            (false, true, { } d) => tm.Schedule(ct => Body(), TimeSpan.FromMilliseconds(d)),
            (false, false, { } d) => tm.Schedule(Body, TimeSpan.FromMilliseconds(d)),
        };
        trace.Expected[child] = plan.HasResult ? value : null;
        trace.Names[child] = name;
        Add($"{name} #{child.Id} {(plan.DelayMs is null ? "spawned" : "scheduled")}");
    }

    private (string Name, int Value, Func<Task> Body, Func<Task<int>> Valued) Prepare(ManagerTrace trace, ChildPlan plan)
    {
        var name = $"{trace.Name}.c{_nextName++}";
        var value = ++_nextValue;
        Task Body() => ChildBodyAsync(plan, trace, name);
        async Task<int> Valued()
        {
            await Body();
            return value;
        }
        return (name, value, Body, Valued);
    }

    /// <summary>
    /// SpawnAsync from a manager's body code: waits for a slot. Refused by a cancelled manager (the code itself not
    /// cancelled), it spawns nothing or a child that never runs; cancelled code gets the checkpoint's exception.
    /// </summary>
    private async Task SpawnAsyncFromBody(ManagerTrace trace, ChildPlan plan)
    {
        var (name, value, body, valued) = Prepare(trace, plan);
        var tm = trace.Manager;
        try
        {
            ChildTask child = (plan.HasResult, plan.TakesToken) switch
            {
                (true, true) => await tm.SpawnAsync(ct => valued()),
                (true, false) => await tm.SpawnAsync(valued),
                (false, true) => await tm.SpawnAsync(ct => body()),
                (false, false) => await tm.SpawnAsync(body),
            };
            trace.Expected[child] = plan.HasResult ? value : null;
            trace.Names[child] = name;
            Add($"{name} #{child.Id} spawned async");
        }
        catch (OperationCanceledException) when (EventLoop.CurrentEffectiveDeadline != TimeSpan.MinValue)
        {
            Add($"{name} refused (manager cancelled)");
        }
        finally
        {
            // A child created by a SpawnAsync that then threw never ran: list it for the checks under this name.
            foreach (var child in tm.Children)
            {
                if (trace.Names.TryAdd(child, name)) trace.Expected[child] = null;
            }
        }
    }

    private async Task ChildBodyAsync(ChildPlan plan, ManagerTrace trace, string name)
    {
        Add($"{name} start");
        trace.PeakRunning = Math.Max(trace.PeakRunning, ++trace.Running);
        try
        {
            await StepsAsync(plan.Steps, trace, name, plan.OnCancel);
            Add($"{name} return");
        }
        catch (OperationCanceledException)
        {
            Add($"{name} cancelled");
            throw;
        }
        catch (Exception e)
        {
            // The child ends (Faulted) right after this: the order of these entries is the order of its manager's failures.
            trace.Faults.Add(e);
            Add($"{name} fails");
            throw;
        }
        finally
        {
            trace.Running--;
        }
    }

    private async Task StepsAsync(IReadOnlyList<Step> steps, ManagerTrace trace, string name, OnCancel onCancel)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case Step.Sleep sleep:
                    await CheckpointAsync(() => EventLoop.Sleep(TimeSpan.FromMilliseconds(sleep.Milliseconds)), name, onCancel);
                    break;
                case Step.Yield:
                    await CheckpointAsync(() => EventLoop.Yield(), name, onCancel);
                    break;
                case Step.Spawn { ViaSpawnAsync: true } spawn when name.EndsWith(".body", StringComparison.Ordinal):
                    await CheckpointAsync(() => SpawnAsyncFromBody(trace, spawn.Child), name, onCancel);
                    break;
                case Step.Spawn spawn:
                    Spawn(trace, spawn.Child);
                    break;
                case Step.Nested nested:
                    await ScopeAsync(nested.Scope, $"{name}/m{_nextName++}", onCancel);
                    break;
                case Step.CancelSibling cancel:
                    var children = trace.Manager.Children;
                    if (children.Count == 0) break;
                    var victim = children[cancel.Index % children.Count];
                    Add($"{name} cancels {trace.Names.GetValueOrDefault(victim, $"#{victim.Id}")}"); // a SpawnAsync child may run before its spawner registers it
                    victim.Cancel();
                    break;
                case Step.CancelManager:
                    Add($"{name} cancels {trace.Name}");
                    trace.Manager.Cancel();
                    break;
                case Step.Fail:
                    throw NewBoom(name);
            }
        }
    }

    private async Task CheckpointAsync(Func<Task> checkpoint, string name, OnCancel onCancel)
    {
        try
        {
            await checkpoint();
        }
        catch (OperationCanceledException) when (onCancel != OnCancel.Propagate)
        {
            if (onCancel == OnCancel.Fail) throw NewBoom($"{name} on cancel");
            Add($"{name} ignores cancellation");
        }
    }
}
