using System;
using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Nursery.Analyzers;

/// <summary>
/// Findings in a method's own body that count only if the method is passed as a body (<c>tm.Spawn(WorkAsync)</c>),
/// collected over one type and reported at its end, when every member of the type has been seen. Filled from
/// operation-block actions that run concurrently, hence the concurrent collections.
/// </summary>
internal sealed class DeferredFindings(INamedTypeSymbol type)
{
    /// <summary>Methods of the type passed by name as a body somewhere in it, with the role that gives them.</summary>
    private readonly ConcurrentDictionary<IMethodSymbol, LoopRole> bodies = new(SymbolEqualityComparer.Default);

    /// <summary>Findings waiting for the end of the type, with the method whose body they are in.</summary>
    private readonly ConcurrentQueue<(IMethodSymbol Method, LoopFinding Finding)> pending = new();

    public void MethodPassedAsBody(IMethodSymbol method, LoopRole role)
    {
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, type))
        {
            bodies.AddOrUpdate(Normalize(method), role, (_, known) => LoopCodeMap.Stronger(known, role));
        }
    }

    public void Defer(IMethodSymbol method, LoopFinding finding) => pending.Enqueue((Normalize(method), finding));

    public void Report(Action<Diagnostic> report)
    {
        foreach (var (method, finding) in pending)
        {
            if (bodies.TryGetValue(method, out var role) && finding.AppliesTo(role))
            {
                report(finding.Diagnostic);
            }
        }
    }

    /// <summary>One symbol per method: a partial method's two parts and a generic method's instances are the same.</summary>
    private static IMethodSymbol Normalize(IMethodSymbol method) => method.OriginalDefinition.PartialDefinitionPart ?? method.OriginalDefinition;
}
