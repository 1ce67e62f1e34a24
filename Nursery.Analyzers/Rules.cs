using Microsoft.CodeAnalysis;

namespace Nursery.Analyzers;

/// <summary>
/// The diagnostics Nursery's analyzers report. Each message says what is wrong on a Nursery loop and what to write
/// instead; docs/analyzers/&lt;id&gt;.md has the longer story with bad and good code.
/// </summary>
internal static class Rules
{
    private const string Category = "Reliability";

    public const string SwallowedCancellationId = "NURSERY001";
    public const string ConfigureAwaitFalseId = "NURSERY002";
    public const string BlockingWaitId = "NURSERY003";
    public const string UnjoinedTaskManagerId = "NURSERY004";
    public const string RegistrationDisposedBeforeJoinId = "NURSERY005";

    public static readonly DiagnosticDescriptor SwallowedCancellation = new(
        SwallowedCancellationId,
        title: "Do not swallow OperationCanceledException in a Nursery child",
        messageFormat: "This catch of '{0}' swallows the OperationCanceledException that cancels a Nursery child, "
            + "so the cancelled child keeps running. Rethrow it ('throw;') or exclude it "
            + "('when (e is not OperationCanceledException)').",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Cancellation in Nursery is delivered as an OperationCanceledException at the child's next "
            + "checkpoint. A catch that handles it and carries on keeps a cancelled child running: its manager's join "
            + "waits for it, and a failing sibling's exception is held back until it ends.");

    public static readonly DiagnosticDescriptor ConfigureAwaitFalse = new(
        ConfigureAwaitFalseId,
        title: "Do not use ConfigureAwait(false) in code that runs on a Nursery loop",
        messageFormat: "ConfigureAwait(false) resumes this code on the thread pool instead of the loop, where "
            + "EventLoop.Sleep/Yield and TaskManager calls throw. Remove it: code on a loop must resume on the loop.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A Nursery loop is single-threaded: children, checkpoints and managers must run on the loop "
            + "thread. ConfigureAwait(false) drops the loop's SynchronizationContext, so everything after the await "
            + "runs on a thread-pool thread and the next checkpoint or Spawn throws InvalidOperationException.");

    public static readonly DiagnosticDescriptor BlockingWait = new(
        BlockingWaitId,
        title: "Do not block on a task in code that runs on a Nursery loop",
        messageFormat: "'{0}' blocks the loop thread until the task completes, but the task needs that thread to "
            + "complete, so the loop deadlocks. Use 'await' instead.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Everything on a Nursery loop, including the continuations of the task being waited for, runs "
            + "on one thread. Blocking that thread with .Result, .Wait() or GetAwaiter().GetResult() stops the loop "
            + "until the task completes, which it never does.");

    public static readonly DiagnosticDescriptor UnjoinedTaskManager = new(
        UnjoinedTaskManagerId,
        title: "Join every TaskManager",
        messageFormat: "TaskManager '{0}' is never joined: its children can outlive it and their failures are never "
            + "seen. Declare it with 'await using', await its DisposeAsync(), or use TaskManager.RunAsync.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A TaskManager's join (DisposeAsync, the end of 'await using') is what waits for its children, "
            + "rethrows their failures and closes it. A manager that is never joined leaves children running past "
            + "the code that started them and loses their exceptions.");

    public static readonly DiagnosticDescriptor RegistrationDisposedBeforeJoin = new(
        RegistrationDisposedBeforeJoinId,
        title: "Keep a token registration that cancels a TaskManager alive until the join",
        messageFormat: "The registration that cancels TaskManager '{0}' is disposed before '{0}' is joined, so a "
            + "cancellation that arrives while the join waits for the children is lost. Pass the token to the "
            + "manager instead ('new TaskManager(loop, token)' or 'TaskManager.RunAsync(body, token)'), or register "
            + "before the join so the registration is disposed after it.",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "The join is where a manager waits for its children, and so where an outside cancellation "
            + "matters most. A registration disposed first (a 'using var' declared after the manager's 'await using', "
            + "or a 'using' block that ends before the join) stops forwarding the token exactly then.");
}
