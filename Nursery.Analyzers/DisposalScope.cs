using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nursery.Analyzers;

/// <summary>
/// Where something is disposed, in source order: from <see cref="Start"/> (where its scope begins) to
/// <see cref="End"/> (where it is disposed). A <c>using</c> statement's scope is the statement; a <c>using</c>
/// declaration's runs to the end of its block; an explicit Dispose call is a point. Of two resources, the one whose
/// scope ends first is disposed first; when both end at the same place (two declarations in one block), the one
/// declared later is disposed first.
/// </summary>
internal readonly struct DisposalScope(int start, int end)
{
    public int Start { get; } = start;

    public int End { get; } = end;

    public static DisposalScope Of(SyntaxNode node) => new(node.SpanStart, node.Span.End);

    public static DisposalScope At(SyntaxNode node) => new(node.SpanStart, node.SpanStart);

    /// <summary>The scope of a <c>using</c> / <c>await using</c> declaration: to the end of the block it is in.</summary>
    public static DisposalScope OfUsingDeclaration(SyntaxNode statement)
    {
        var container = statement.Parent is GlobalStatementSyntax global ? global.Parent! : statement.Parent ?? statement;
        return new DisposalScope(statement.SpanStart, container.Span.End);
    }

    public bool IsDisposedBefore(DisposalScope other) => End < other.End || (End == other.End && Start > other.Start);
}
