using System;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Nursery.Analyzers;

/// <summary>
/// What Nursery's code fixes share: one diagnostic id, one title (also the Fix All key), batch Fix All, and a fix
/// per diagnostic that the derived class builds from the document's syntax root, or declines.
/// </summary>
public abstract class NurseryCodeFix : CodeFixProvider
{
    private readonly string title;

    private protected NurseryCodeFix(string diagnosticId, string title)
    {
        this.title = title;
        FixableDiagnosticIds = [diagnosticId];
    }

    /// <inheritdoc />
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (var diagnostic in context.Diagnostics)
        {
            if (CreateFix(context.Document, root, diagnostic) is { } fix)
            {
                context.RegisterCodeFix(CodeAction.Create(title, fix, equivalenceKey: title), diagnostic);
            }
        }
    }

    /// <summary>The edit that fixes <paramref name="diagnostic"/>, or null when this one cannot be fixed mechanically.</summary>
    private protected abstract Func<CancellationToken, Task<Document>>? CreateFix(Document document, SyntaxNode root, Diagnostic diagnostic);
}
