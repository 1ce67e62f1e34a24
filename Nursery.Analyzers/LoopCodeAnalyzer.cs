using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// Reports what must not happen in code that runs on a Nursery loop: swallowing the cancellation of a child
/// (NURSERY001), leaving the loop with ConfigureAwait(false) (NURSERY002) and blocking the loop thread on a task
/// (NURSERY003). Which code runs on a loop is decided by <see cref="LoopCodeMap"/>; a finding in a method's own body
/// waits for the end of its type, where it is known whether the method is passed as a body.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoopCodeAnalyzer : NurseryAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [Rules.SwallowedCancellation, Rules.ConfigureAwaitFalse, Rules.BlockingWait];

    /// <inheritdoc />
    private protected override void Register(CompilationStartAnalysisContext context, NurserySymbols symbols) =>
        context.RegisterSymbolStartAction(typeStart =>
        {
            var deferred = new DeferredFindings((INamedTypeSymbol)typeStart.Symbol);
            typeStart.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols, deferred));
            typeStart.RegisterSymbolEndAction(end => deferred.Report(end.ReportDiagnostic));
        }, SymbolKind.NamedType);

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, NurserySymbols symbols, DeferredFindings deferred)
    {
        // Built for every block, not only those with findings: method groups passed as bodies here decide the
        // findings of other members.
        var map = new LoopCodeMap(symbols, context.OperationBlocks, deferred.MethodPassedAsBody);
        foreach (var operation in context.OperationBlocks.AllDescendants())
        {
            var finding = operation switch
            {
                ICatchClauseOperation clause => SwallowedCancellationCheck.Check(clause, symbols),
                IInvocationOperation invocation => ConfigureAwaitCheck.Check(invocation, symbols) ?? BlockingWaitCheck.Check(invocation, symbols),
                IPropertyReferenceOperation property => BlockingWaitCheck.Check(property, symbols),
                _ => null,
            };
            if (finding is null)
            {
                continue;
            }
            var role = map.RoleOf(finding.Operation);
            if (role == LoopRole.MemberBody)
            {
                if (context.OwningSymbol is IMethodSymbol method)
                {
                    deferred.Defer(method, finding);
                }
            }
            else if (finding.AppliesTo(role))
            {
                context.ReportDiagnostic(finding.Diagnostic);
            }
        }
    }
}
