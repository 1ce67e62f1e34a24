using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY001: a catch that handles the OperationCanceledException a cancelled child gets at its checkpoints and
/// carries on. A catch is reported when it can catch an OperationCanceledException (or TaskCanceledException), its
/// filter (if any) is certainly true for one, its try block can observe cancellation (it awaits, or passes a token),
/// and its handler does not throw. Filters the analyzer cannot evaluate (<c>when (!ct.IsCancellationRequested)</c>)
/// are taken as deliberate.
/// </summary>
internal static class SwallowedCancellationCheck
{
    public static LoopFinding? Check(ICatchClauseOperation clause, NurserySymbols symbols)
    {
        if (clause.Parent is not ITryOperation tryOperation
            || clause.Syntax is not CatchClauseSyntax syntax
            || !CatchesCancellation(clause, symbols)
            || !CanObserveCancellation(tryOperation.Body, symbols)
            || Throws(clause.Handler, symbols))
        {
            return null;
        }
        var end = syntax.Declaration?.Span.End ?? syntax.CatchKeyword.Span.End;
        var location = Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(syntax.CatchKeyword.SpanStart, end));
        var caught = syntax.Declaration is null ? "catch" : clause.ExceptionType.Name;
        return new LoopFinding(clause, Diagnostic.Create(Rules.SwallowedCancellation, location, caught), childOnly: true);
    }

    /// <summary>
    /// True when an OperationCanceledException or a TaskCanceledException gets into the handler: its type is caught
    /// and the filter is certainly true for it.
    /// </summary>
    private static bool CatchesCancellation(ICatchClauseOperation clause, NurserySymbols symbols)
    {
        var catchVariable = (clause.ExceptionDeclarationOrExpression as IVariableDeclaratorOperation)?.Symbol;
        foreach (var thrown in new[] { symbols.OperationCanceledException, symbols.TaskCanceledException })
        {
            if (thrown is not null
                && NurserySymbols.IsOrInherits(thrown, clause.ExceptionType)
                && (clause.Filter is null || FilterValue(clause.Filter, thrown, catchVariable) == true))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// What the filter evaluates to when the exception is an instance of exactly <paramref name="thrown"/>, or null
    /// when that depends on more than the exception's type.
    /// </summary>
    private static bool? FilterValue(IOperation filter, ITypeSymbol thrown, ILocalSymbol? catchVariable)
    {
        if (filter.ConstantValue is { HasValue: true, Value: bool constant })
        {
            return constant;
        }
        switch (filter.WalkDownConversions())
        {
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                return !FilterValue(not.Operand, thrown, catchVariable);
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                return And(FilterValue(and.LeftOperand, thrown, catchVariable), FilterValue(and.RightOperand, thrown, catchVariable));
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                return Or(FilterValue(or.LeftOperand, thrown, catchVariable), FilterValue(or.RightOperand, thrown, catchVariable));
            case IIsTypeOperation isType when IsCatchVariable(isType.ValueOperand, catchVariable):
                return NurserySymbols.IsOrInherits(thrown, isType.TypeOperand) != isType.IsNegated;
            case IIsPatternOperation isPattern when IsCatchVariable(isPattern.Value, catchVariable):
                return PatternValue(isPattern.Pattern, thrown);
            default:
                return null;
        }
    }

    private static bool? PatternValue(IPatternOperation pattern, ITypeSymbol thrown) => pattern switch
    {
        INegatedPatternOperation negated => !PatternValue(negated.Pattern, thrown),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } and => And(PatternValue(and.LeftPattern, thrown), PatternValue(and.RightPattern, thrown)),
        IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.Or } or => Or(PatternValue(or.LeftPattern, thrown), PatternValue(or.RightPattern, thrown)),
        ITypePatternOperation type => NurserySymbols.IsOrInherits(thrown, type.MatchedType),
        IDeclarationPatternOperation { MatchedType: { } type } => NurserySymbols.IsOrInherits(thrown, type),
        // `e is SomeException { ... }`: false when the type does not match; otherwise it depends on the properties.
        IRecursivePatternOperation { MatchedType: { } type } when !NurserySymbols.IsOrInherits(thrown, type) => false,
        // A caught exception is never null.
        IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: null } } => false,
        _ => null,
    };

    private static bool? And(bool? left, bool? right) =>
        left == false || right == false ? false : left == true && right == true ? true : null;

    private static bool? Or(bool? left, bool? right) =>
        left == true || right == true ? true : left == false && right == false ? false : null;

    private static bool IsCatchVariable(IOperation operation, ILocalSymbol? catchVariable) =>
        catchVariable is not null
        && operation.WalkDownConversions() is ILocalReferenceOperation reference
        && SymbolEqualityComparer.Default.Equals(reference.Local, catchVariable);

    /// <summary>
    /// True when the try block can receive a cancellation: it awaits (await, await foreach, await using) or calls
    /// something with a CancellationToken. A block that does neither cannot be interrupted by one.
    /// </summary>
    private static bool CanObserveCancellation(IBlockOperation body, NurserySymbols symbols) =>
        body.DescendantsInSameFunction().Any(operation => operation switch
        {
            IAwaitOperation => true,
            IForEachLoopOperation loop => loop.IsAsynchronous,
            IUsingOperation @using => @using.IsAsynchronous,
            IUsingDeclarationOperation declaration => declaration.IsAsynchronous,
            IInvocationOperation invocation => NurserySymbols.Is(invocation.TargetMethod.ContainingType, symbols.CancellationToken)
                || invocation.Arguments.Any(a => NurserySymbols.Is(a.Parameter?.Type, symbols.CancellationToken)),
            _ => false,
        });

    /// <summary>True when the handler throws: `throw;`, a new exception, ExceptionDispatchInfo or ThrowIfCancellationRequested.</summary>
    private static bool Throws(IBlockOperation handler, NurserySymbols symbols) =>
        handler.DescendantsInSameFunction().Any(operation => operation switch
        {
            IThrowOperation => true,
            IInvocationOperation invocation =>
                (NurserySymbols.Is(invocation.TargetMethod.ContainingType, symbols.ExceptionDispatchInfo) && invocation.TargetMethod.Name == "Throw")
                || (NurserySymbols.Is(invocation.TargetMethod.ContainingType, symbols.CancellationToken) && invocation.TargetMethod.Name == "ThrowIfCancellationRequested"),
            _ => false,
        });
}
