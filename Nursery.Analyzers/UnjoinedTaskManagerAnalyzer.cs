using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY004: a <c>new TaskManager(...)</c> that is never joined. A manager is joined when it is the resource of
/// an <c>await using</c> (statement or declaration) or its DisposeAsync is called anywhere in the member; it is
/// someone else's to join when it leaves the member (returned, passed to a method, stored in a field, property,
/// array or another variable). Anything else (a local only used to spawn, a discard, <c>new TaskManager().Spawn(..)</c>)
/// is reported. The code fix turns a plain local declaration into <c>await using var</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnjoinedTaskManagerAnalyzer : NurseryAnalyzer
{
    /// <summary>Diagnostic property set when the declaration can become <c>await using var</c>.</summary>
    internal const string CanBecomeAwaitUsing = "CanBecomeAwaitUsing";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Rules.UnjoinedTaskManager];

    /// <inheritdoc />
    private protected override void Register(CompilationStartAnalysisContext context, NurserySymbols symbols) =>
        context.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols));

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, NurserySymbols symbols)
    {
        List<IOperation>? all = null;
        foreach (var operation in context.OperationBlocks.AllDescendants())
        {
            if (operation is not IObjectCreationOperation creation || !symbols.IsTaskManager(creation.Type))
            {
                continue;
            }
            all ??= [.. context.OperationBlocks.AllDescendants()];
            var diagnostic = Check(creation, all);
            if (diagnostic is not null)
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }

    private static Diagnostic? Check(IObjectCreationOperation creation, List<IOperation> all)
    {
        var parent = creation.WalkUpConversions();
        switch (parent)
        {
            // await using (new TaskManager(..)) { } and await using (var tm = new TaskManager(..)) { } / await using var tm = ...
            case IUsingOperation { IsAsynchronous: true }:
                return null;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                if (declarator.Parent?.Parent is IVariableDeclarationGroupOperation group
                    && group.Parent is IUsingOperation { IsAsynchronous: true } or IUsingDeclarationOperation { IsAsynchronous: true })
                {
                    return null;
                }
                return CheckLocal(declarator.Symbol, creation, declarator, all);
            // `tm = new TaskManager(..);` as a statement; `x = tm = new TaskManager(..)` also hands the manager on.
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value.WalkDownConversions() == creation:
                return assignment.WalkUpConversions() is IExpressionStatementOperation
                    ? CheckLocal(local.Local, creation, declarator: null, all)
                    : null;
            case ISimpleAssignmentOperation { Target: IDiscardOperation }:
            case IExpressionStatementOperation:
            case IInvocationOperation:
            case IPropertyReferenceOperation:
            case IFieldReferenceOperation:
            case IEventReferenceOperation:
                return Unjoined(creation, name: null, declarator: null, canFix: false);
            default:
                // Returned, passed on (an extension method such as ConfigureAwait included), stored in a field,
                // property, array or collection: someone else joins it.
                return null;
        }
    }

    private static Diagnostic? CheckLocal(ILocalSymbol local, IObjectCreationOperation creation, IVariableDeclaratorOperation? declarator, List<IOperation> all)
    {
        var assignedAgain = false;
        foreach (var operation in all)
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }
            var parent = reference.WalkUpConversions();
            switch (parent)
            {
                case IUsingOperation { IsAsynchronous: true }:
                case IInvocationOperation { TargetMethod.Name: "DisposeAsync" } disposal when disposal.Instance?.WalkDownConversions() == reference:
                    return null;
                case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                    assignedAgain = true;
                    break;
                case ISimpleAssignmentOperation or IReturnOperation or IArgumentOperation or IVariableInitializerOperation
                    or IArrayInitializerOperation or ICollectionExpressionOperation or ITupleOperation or IAnonymousObjectCreationOperation
                    or IPropertyInitializerOperation or IFieldInitializerOperation or IMemberInitializerOperation
                    or ICoalesceOperation or IConditionalOperation or ISwitchExpressionArmOperation:
                    return null;
            }
        }
        return Unjoined(creation, local.Name, declarator, canFix: declarator is not null && !assignedAgain);
    }

    private static Diagnostic Unjoined(IObjectCreationOperation creation, string? name, IVariableDeclaratorOperation? declarator, bool canFix)
    {
        var properties = canFix && CanDeclareAwaitUsing(declarator!.Syntax)
            ? ImmutableDictionary<string, string?>.Empty.Add(CanBecomeAwaitUsing, "true")
            : ImmutableDictionary<string, string?>.Empty;
        var location = declarator?.Syntax.GetLocation() ?? creation.Syntax.GetLocation();
        return Diagnostic.Create(Rules.UnjoinedTaskManager, location, properties, name ?? "new TaskManager(...)");
    }

    /// <summary>
    /// True when the declaration is a one-variable local declaration directly in a block of an async function (or
    /// in top-level statements), so <c>await using var</c> is valid there.
    /// </summary>
    private static bool CanDeclareAwaitUsing(SyntaxNode declarator)
    {
        if (declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration
            || declaration.Parent is not LocalDeclarationStatementSyntax statement
            || statement.UsingKeyword != default
            || statement.Parent is not (BlockSyntax or GlobalStatementSyntax))
        {
            return false;
        }
        var function = statement.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or GlobalStatementSyntax);
        return function switch
        {
            GlobalStatementSyntax => true,
            AnonymousFunctionExpressionSyntax lambda => lambda.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword),
            LocalFunctionStatementSyntax local => local.Modifiers.Any(SyntaxKind.AsyncKeyword),
            BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.AsyncKeyword),
            _ => false,
        };
    }
}
