using System.Globalization;
using System.Text;

namespace Nursery;

/// <summary>
/// Renders the task tree for <see cref="EventLoop.DumpTree"/> and <see cref="TaskManager.DumpTree"/>: managers,
/// their children, what each child waits on, and the managers nested in each child.
/// </summary>
internal static class TreeDumper
{
    /// <summary>Above this many ended children, a manager's ended children are summarised in one line.</summary>
    private const int EndedChildrenListed = 20;

    /// <summary>Off the loop thread the tree may change while it is read; a few retries usually get a clean picture.</summary>
    private const int Attempts = 3;

    public static string Dump(EventLoop loop) => Snapshot(loop, () =>
    {
        var text = new StringBuilder();
        var clock = loop.Clock.GetType().Name;
        text.Append(CultureInfo.InvariantCulture, $"EventLoop at {Time(loop.Now)} ({clock}): {(loop.IsRunning ? "running" : "not running")}, {loop.ReadyCount} ready, {loop.Timers.Count} timers");
        text.Append('\n');
        var roots = loop.RootManagers.ToArray();
        if (roots.Length == 0) text.Append("(no open TaskManager)\n");
        foreach (var manager in roots) Manager(text, manager, "", "");
        return text.ToString();
    });

    public static string Dump(TaskManager manager) => Snapshot(manager.Loop, () =>
    {
        var text = new StringBuilder();
        Manager(text, manager, "", "");
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

    private static void Manager(StringBuilder text, TaskManager manager, string lead, string indent)
    {
        var children = manager.ChildList.ToArray();
        var live = children.Count(c => !c.IsEnded);
        text.Append(lead).Append(CultureInfo.InvariantCulture, $"TaskManager #{manager.Id} {manager.StateName}: {Plural(children.Length, "child", "children")} ({live} live)");
        if (manager.IsCancellationRequested) text.Append(", cancelled");
        text.Append('\n');

        var ended = children.Where(c => c.IsEnded).ToArray();
        var listed = ended.Length <= EndedChildrenListed ? children : children.Where(c => !c.IsEnded).ToArray();
        var lines = new List<Action<string, string>>();
        if (manager.BodyScope is { } body) lines.Add((l, i) => Child(text, manager.Loop, body, "body", l, i));
        foreach (var child in listed) lines.Add((l, i) => Child(text, manager.Loop, child, child.Label, l, i));
        if (listed.Length != children.Length)
        {
            lines.Add((l, _) => text.Append(l).Append(CultureInfo.InvariantCulture,
                $"… {Plural(ended.Length, "ended child", "ended children")} not shown ({Counts(ended)})\n"));
        }
        for (var i = 0; i < lines.Count; i++)
        {
            var last = i == lines.Count - 1;
            lines[i](indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "));
        }
    }

    private static void Child(StringBuilder text, EventLoop loop, ChildTask child, string label, string lead, string indent)
    {
        text.Append(lead).Append(label).Append(": ").Append(child.Status);
        switch (child.Status)
        {
            case ChildTaskStatus.Scheduled:
                text.Append(loop.Timers.DeadlineOf(child) is { } start ? $", starts at {Time(start)}" : ", starts on a coming turn");
                break;
            case ChildTaskStatus.Running:
                text.Append(", ").Append(WaitingOn(loop, child));
                break;
            case ChildTaskStatus.Faulted:
                text.Append(CultureInfo.InvariantCulture, $" ({child.Exception!.GetType().Name}: {child.Exception.Message})");
                break;
        }
        if (!child.IsEnded)
        {
            if (child.IsCancellationRequested) text.Append(", cancel requested");
            text.Append(", age ").Append(Duration(loop.Now - child.SpawnedAt));
        }
        if (child.SpawnSite is { } site) text.Append(", spawned at ").Append(ShortSite(site));
        text.Append('\n');

        var nested = child.NestedManagers?.ToArray() ?? [];
        for (var i = 0; i < nested.Length; i++)
        {
            var last = i == nested.Length - 1;
            Manager(text, nested[i], indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "));
        }
    }

    private static string WaitingOn(EventLoop loop, ChildTask child)
    {
        if (EventLoop.Current == loop && LoopSynchronizationContext.CurrentChild == child) return "running now (this dump was taken from its code)";
        if (child.NestedManagers?.FirstOrDefault(m => m.IsJoining) is { } joining) return $"joining TaskManager #{joining.Id}";
        TimeSpan? earliest = null;
        for (var sleep = child.PendingSleeps; sleep is not null; sleep = sleep.Next)
        {
            if (loop.Timers.DeadlineOf(sleep) is { } deadline && (earliest is null || deadline < earliest)) earliest = deadline;
        }
        var onEvent = child.PendingEventWaits > 0;
        return (earliest, onEvent) switch
        {
            ({ } until, true) => $"sleeping until {Time(until)} or waiting on an AsyncEvent",
            ({ } until, false) => $"sleeping until {Time(until)}",
            (null, true) => "waiting on an AsyncEvent",
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
