using System.Globalization;
using System.Text;

namespace Nursery;

/// <summary>
/// Renders the task tree of a loop (or of one manager) as text, for <see cref="EventLoop.DumpTree"/> and
/// <see cref="TaskManager.DumpTree"/>: managers, their children, the cancel scopes and managers nested in each child's
/// code, what each live child waits on, why a cancelled one was cancelled, and which failures were primary.
/// </summary>
/// <remarks>
/// The walk keeps an explicit stack of lines to render, so a tree 100,000 levels deep renders without overflowing the
/// call stack. On the loop thread (or with the loop stopped) the picture is exact; from another thread it is a
/// best-effort snapshot, retried a few times if the loop changes a list while it is read.
/// </remarks>
internal static class TreeDumper
{
    /// <summary>Up to this many ended children are listed one by one; beyond it they are summarised in one line.</summary>
    private const int EndedChildrenListed = 20;

    /// <summary>How often a snapshot from another thread is retried when the loop changes a list under it.</summary>
    private const int Attempts = 3;

    /// <summary>The tree of <paramref name="loop"/>: every open manager and scope at the top of the loop.</summary>
    public static string Dump(EventLoop loop) => Snapshot(loop, () =>
    {
        var text = new StringBuilder();
        var clock = loop.Clock.GetType().Name;
        text.Append(CultureInfo.InvariantCulture, $"EventLoop at {Time(loop.Now)} ({clock}): {(loop.IsRunning ? "running" : "not running")}, {loop.ReadyCount} ready, {loop.Timers.Count} timers");
        if (loop.CrossThreadResumes > 0)
            text.Append(", ").Append(Plural((int)Math.Min(loop.CrossThreadResumes, int.MaxValue), "cross-thread resume", "cross-thread resumes")).Append(" (not deterministic)");
        text.Append('\n');
        if (loop.Host is { } host) text.Append("host: ").Append(host).Append('\n');
        var roots = loop.RootContext.Nested.ToArray();
        if (!roots.OfType<TaskManager>().Any()) text.Append("(no open TaskManager)\n");
        Render(text, loop, roots.Select(node => new Line(node, null)).ToList(), "", "");
        return text.ToString();
    });

    /// <summary>The subtree of one manager.</summary>
    public static string Dump(TaskManager manager) => Snapshot(manager.Loop, () =>
    {
        var text = new StringBuilder();
        Render(text, manager.Loop, [new Line(manager, null)], "", "");
        return text.ToString();
    });

    private static string Snapshot(EventLoop loop, Func<string> render)
    {
        if (EventLoop.Current == loop || !loop.IsRunning) return render();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return render();
            }
            catch (Exception e) when (attempt < Attempts && e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
            {
                // The loop changed a list while we read it; look again.
            }
        }
    }

    /// <summary>One line to render: a node (manager, child context, scope context) or a ready-made text.</summary>
    private readonly record struct Line(object Item, string? Label);

    /// <summary>A line waiting on the stack with the prefixes it is drawn with.</summary>
    private readonly record struct Pending(Line Line, string Lead, string Indent);

    /// <summary>Renders <paramref name="lines"/> and everything below them, depth first, without recursion.</summary>
    private static void Render(StringBuilder text, EventLoop loop, List<Line> lines, string lead, string indent)
    {
        var stack = new Stack<Pending>();
        PushSiblings(stack, lines, indent, top: lead.Length == 0 && indent.Length == 0);
        while (stack.TryPop(out var pending))
        {
            var below = pending.Line.Item switch
            {
                TaskManager manager => Manager(text, manager, pending.Lead),
                ChildContext child => Child(text, loop, child.Owner, pending.Line.Label ?? child.Owner.Label, pending.Lead),
                ScopeContext scope => Scope(text, loop, scope, pending.Lead),
                string plain => Plain(text, plain, pending.Lead),
                _ => [],
            };
            PushSiblings(stack, below, pending.Indent, top: false);
        }
    }

    /// <summary>Pushes <paramref name="lines"/> so that they come off in order, each with its branch drawn.</summary>
    private static void PushSiblings(Stack<Pending> stack, List<Line> lines, string indent, bool top)
    {
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            if (top)
            {
                stack.Push(new Pending(lines[i], "", ""));
                continue;
            }
            var last = i == lines.Count - 1;
            stack.Push(new Pending(lines[i], indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  ")));
        }
    }

    private static List<Line> Plain(StringBuilder text, string line, string lead)
    {
        text.Append(lead).Append(line).Append('\n');
        return [];
    }

    private static List<Line> Manager(StringBuilder text, TaskManager manager, string lead)
    {
        var children = manager.ChildList.ToArray();
        var live = children.Count(c => !c.IsEnded);
        text.Append(lead).Append(CultureInfo.InvariantCulture, $"TaskManager #{manager.Id}");
        if (manager.Options.Name is { } name) text.Append(" '").Append(name).Append('\'');
        text.Append(CultureInfo.InvariantCulture, $" {manager.StateName}: {Plural(children.Length, "child", "children")} ({live} live)");
        if (manager.Options.MaxConcurrency != int.MaxValue)
            text.Append(CultureInfo.InvariantCulture, $", {manager.RunningCount} of {manager.Options.MaxConcurrency} slots taken, {manager.WaitingCount} waiting");
        if (manager.Options.FailurePolicy == FailurePolicy.CollectAll) text.Append(", supervisor (CollectAll)");
        if (manager.ScopeDeadline != TimeSpan.MaxValue) text.Append(", deadline ").Append(Time(manager.ScopeDeadline));
        if (manager.IsShielded) text.Append(", shielded");
        if (manager.IsCancellationRequested) text.Append(", cancelled");
        if (manager.Cause is { } cause) text.Append(": ").Append(cause.Message);
        text.Append('\n');

        var ended = children.Where(c => c.IsEnded).ToArray();
        var listed = ended.Length <= EndedChildrenListed ? children : children.Where(c => !c.IsEnded).ToArray();
        var lines = new List<Line>();
        if (manager.BodyScope is { } body) lines.Add(new Line(body.Context, "body"));
        foreach (var child in listed) lines.Add(new Line(child.Context, null));
        if (listed.Length != children.Length)
            lines.Add(new Line($"… {Plural(ended.Length, "ended child", "ended children")} not shown ({Counts(ended)})", null));
        foreach (var orphan in manager.Adopted ?? []) lines.Add(new Line(orphan, null));
        return lines;
    }

    private static List<Line> Child(StringBuilder text, EventLoop loop, ChildTask child, string label, string lead)
    {
        text.Append(lead).Append(label).Append(": ").Append(child.Status);
        switch (child.Status)
        {
            case ChildTaskStatus.Scheduled when child.Slot == ChildSlot.Waiting:
                text.Append(CultureInfo.InvariantCulture, $", waiting for a slot ({child.Manager.RunningCount} of {child.Manager.Options.MaxConcurrency} running)");
                break;
            case ChildTaskStatus.Scheduled:
                text.Append(loop.Timers.DeadlineOf(child) is { } start ? $", starts at {Time(start)}" : ", starts on a coming turn");
                break;
            case ChildTaskStatus.Running:
                text.Append(", ").Append(WaitingOn(loop, child.Context, child));
                break;
            case ChildTaskStatus.Faulted:
                var primary = child.Manager.Failures.FirstOrDefault(f => f.Child == child)?.Primary ?? true;
                text.Append(CultureInfo.InvariantCulture, $" ({(primary ? "primary failure: " : "secondary failure, raised while being cancelled: ")}{child.Exception!.GetType().Name}: {child.Exception.Message})");
                break;
        }
        if (child.StartingUnder is not null) text.Append(", starting (StartAsync into TaskManager #").Append(child.Manager.Id).Append(')');
        if (child.Context.Cause is { } cause && child.Status != ChildTaskStatus.Completed && child.Status != ChildTaskStatus.Faulted)
            text.Append(", cancelled: ").Append(cause.Message);
        if (!child.IsEnded) text.Append(", age ").Append(Duration(loop.Now - child.SpawnedAt));
        if (child.SpawnSite is { } site) text.Append(", spawned at ").Append(ShortSite(site));
        text.Append('\n');
        return Nested(child.Context);
    }

    private static List<Line> Scope(StringBuilder text, EventLoop loop, ScopeContext scope, string lead)
    {
        text.Append(lead).Append(scope.IsShielded ? "cancel scope (shielded)" : "cancel scope");
        if (scope.Scope.Deadline != TimeSpan.MaxValue) text.Append(", deadline ").Append(Time(scope.Scope.Deadline));
        text.Append(", ").Append(WaitingOn(loop, scope, null));
        if (scope.Cause is { } cause) text.Append(", cancelled: ").Append(cause.Message);
        text.Append('\n');
        return Nested(scope);
    }

    /// <summary>What is nested in a piece of code: the managers opened, the scopes entered and the children starting there.</summary>
    private static List<Line> Nested(LoopSynchronizationContext node) =>
        node.Nested?.ToArray().Select(n => new Line(n, null)).ToList() ?? [];

    private static string WaitingOn(EventLoop loop, LoopSynchronizationContext node, ChildTask? child)
    {
        if (EventLoop.Current == loop && SynchronizationContext.Current == node) return "running now (this dump was taken from its code)";
        var nested = node.Nested?.ToArray() ?? [];
        if (nested.OfType<TaskManager>().FirstOrDefault(m => m.IsJoining) is { } joining) return $"joining TaskManager #{joining.Id}";
        TimeSpan? earliest = null;
        for (var sleep = node.PendingSleeps; sleep is not null; sleep = sleep.Next)
        {
            if (sleep is LoopWait wait) return wait.Describe(); // a slot, a limiter token, a channel
            if (loop.Timers.DeadlineOf(sleep) is { } deadline && (earliest is null || deadline < earliest)) earliest = deadline;
        }
        var onEvent = child is { PendingEventWaits: > 0 };
        return (earliest, onEvent) switch
        {
            ({ } until, true) => $"sleeping until {Time(until)} or waiting on an AsyncEvent",
            ({ } until, false) => $"sleeping until {Time(until)}",
            (null, true) => "waiting on an AsyncEvent",
            _ when nested.OfType<ScopeContext>().Any() => "inside a cancel scope",
            _ when nested.OfType<ChildContext>().Any() => "waiting for a child to start (StartAsync)",
            _ => "waiting on another task",
        };
    }

    private static string Counts(IEnumerable<ChildTask> children) =>
        string.Join(", ", children.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));

    private static string Plural(int count, string one, string many) => count == 1 ? $"1 {one}" : $"{count} {many}";

    // Only the file name: full paths differ between machines and would make dumps unreproducible.
    private static string ShortSite(string site)
    {
        var colon = site.LastIndexOf(':');
        if (colon <= 0) return site;
        var file = site[..colon];
        var slash = file.LastIndexOfAny(['/', '\\']);
        return file[(slash + 1)..] + site[colon..];
    }

    private static string Time(TimeSpan time) => "t=" + Duration(time);

    private static string Duration(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + "s";
}
