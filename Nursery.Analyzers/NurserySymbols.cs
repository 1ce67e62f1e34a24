using System.Linq;
using Microsoft.CodeAnalysis;

namespace Nursery.Analyzers;

/// <summary>
/// The types the analyzers recognise, resolved once per compilation. Everything is matched by symbol, so a type of
/// the same name in user code is never mistaken for Nursery's or the framework's.
/// </summary>
internal sealed class NurserySymbols
{
    private NurserySymbols(Compilation compilation, INamedTypeSymbol eventLoop, INamedTypeSymbol taskManager)
    {
        Compilation = compilation;
        EventLoop = eventLoop;
        TaskManager = taskManager;
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        AsyncEnumerableExtensions = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskAsyncEnumerableExtensions");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        TaskFactoryOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory`1");
        Parallel = compilation.GetTypeByMetadataName("System.Threading.Tasks.Parallel");
        Thread = compilation.GetTypeByMetadataName("System.Threading.Thread");
        ThreadPool = compilation.GetTypeByMetadataName("System.Threading.ThreadPool");
        Timer = compilation.GetTypeByMetadataName("System.Threading.Timer");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        CancellationTokenRegistration = compilation.GetTypeByMetadataName("System.Threading.CancellationTokenRegistration");
        OperationCanceledException = compilation.GetTypeByMetadataName("System.OperationCanceledException");
        TaskCanceledException = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskCanceledException");
        ExceptionDispatchInfo = compilation.GetTypeByMetadataName("System.Runtime.ExceptionServices.ExceptionDispatchInfo");
        ConfigureAwaitOptions = compilation.GetTypeByMetadataName("System.Threading.Tasks.ConfigureAwaitOptions");
        Checkpoint = compilation.GetTypeByMetadataName("Nursery.Checkpoint");
    }

    public Compilation Compilation { get; }
    public INamedTypeSymbol EventLoop { get; }
    public INamedTypeSymbol TaskManager { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? AsyncEnumerableExtensions { get; }
    public INamedTypeSymbol? TaskFactory { get; }
    public INamedTypeSymbol? TaskFactoryOfT { get; }
    public INamedTypeSymbol? Parallel { get; }
    public INamedTypeSymbol? Thread { get; }
    public INamedTypeSymbol? ThreadPool { get; }
    public INamedTypeSymbol? Timer { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? CancellationTokenRegistration { get; }
    public INamedTypeSymbol? OperationCanceledException { get; }
    public INamedTypeSymbol? TaskCanceledException { get; }
    public INamedTypeSymbol? ExceptionDispatchInfo { get; }
    public INamedTypeSymbol? ConfigureAwaitOptions { get; }

    /// <summary>What EventLoop.Sleep/Yield return in Nursery versions that have it (an awaitable struct); else null.</summary>
    public INamedTypeSymbol? Checkpoint { get; }

    /// <summary>The symbols of a compilation that references Nursery; null when it does not (nothing to analyze).</summary>
    public static NurserySymbols? TryCreate(Compilation compilation)
    {
        var eventLoop = compilation.GetTypeByMetadataName("Nursery.EventLoop");
        var taskManager = compilation.GetTypeByMetadataName("Nursery.TaskManager");
        return eventLoop is null || taskManager is null ? null : new NurserySymbols(compilation, eventLoop, taskManager);
    }

    public bool IsEventLoop(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, EventLoop);

    public bool IsTaskManager(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, TaskManager);

    /// <summary>EventLoop.Sleep or EventLoop.Yield: calls that only work on a loop, so their caller runs on one.</summary>
    public bool IsCheckpoint(IMethodSymbol method) =>
        IsEventLoop(method.ContainingType) && method.IsStatic && method.Name is "Sleep" or "Yield";

    /// <summary>Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt; or Nursery's Checkpoint: what loop code awaits and returns.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        var definition = type?.OriginalDefinition;
        return Is(definition, Task) || Is(definition, TaskOfT) || Is(definition, ValueTask) || Is(definition, ValueTaskOfT)
            || Is(definition, Checkpoint);
    }

    /// <summary>
    /// A type of Nursery itself (namespace Nursery or below, from a referenced assembly): its methods that take an
    /// async delegate run that delegate on a loop (Spawn, Schedule, RunAsync, Submit, Execute, Run, ...).
    /// </summary>
    public bool IsNurseryApi(INamedTypeSymbol? type)
    {
        if (type is null || SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, Compilation.Assembly))
        {
            return false;
        }
        var ns = type.ContainingNamespace;
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }
        return ns is { Name: "Nursery" };
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="candidateBase"/> or derives from or implements it.</summary>
    public static bool IsOrInherits(ITypeSymbol type, ITypeSymbol candidateBase)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, candidateBase))
            {
                return true;
            }
        }
        return type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, candidateBase));
    }

    public static bool Is(ISymbol? symbol, ISymbol? expected) =>
        expected is not null && SymbolEqualityComparer.Default.Equals(symbol, expected);
}
