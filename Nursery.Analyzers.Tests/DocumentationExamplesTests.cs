using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Nursery.Analyzers.Tests.Support;
using Xunit;

namespace Nursery.Analyzers.Tests;

/// <summary>
/// Every docs/analyzers/NURSERYxxx.md page tells the truth: its "Bad" example compiles and gets exactly that
/// diagnostic from the analyzers, and its "Good" example compiles and gets none.
/// </summary>
public sealed partial class DocumentationExamplesTests
{
    public static TheoryData<string> Ids => new(Rules.SwallowedCancellationId, Rules.ConfigureAwaitFalseId,
        Rules.BlockingWaitId, Rules.UnjoinedTaskManagerId, Rules.RegistrationDisposedBeforeJoinId);

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task BadExample_GetsExactlyItsDiagnostic(string id)
    {
        var ids = await AnalyzeAsync(Example(id, "Bad"));
        Assert.Equal([id], ids);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task GoodExample_GetsNoDiagnostic(string id)
    {
        var ids = await AnalyzeAsync(Example(id, "Good"));
        Assert.Empty(ids);
    }

    /// <summary>The first C# block under the page's "## Bad" or "## Good" heading.</summary>
    private static string Example(string id, string heading)
    {
        var page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "analyzers", id + ".md"));
        var match = ExampleBlock().Match(page[page.IndexOf("## " + heading + "\n", StringComparison.Ordinal)..]);
        Assert.True(match.Success, $"{id}.md has no C# block under '## {heading}'");
        return match.Groups["code"].Value;
    }

    /// <summary>Compiles the example as a consumer project would (implicit usings on) and returns the Nursery ids reported, distinct and sorted.</summary>
    private static async Task<string[]> AnalyzeAsync(string code)
    {
        var references = await Sources.Net10.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        const string implicitUsings = "global using System; global using System.IO; global using System.Linq; global using System.Net.Http; "
            + "global using System.Threading; global using System.Threading.Tasks; global using System.Collections.Generic;";
        var compilation = CSharpCompilation.Create(
            "Example",
            [CSharpSyntaxTree.ParseText(implicitUsings), CSharpSyntaxTree.ParseText(code, path: "Example.cs")],
            references.Add(Sources.Nursery),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, "The example does not compile:\n" + string.Join("\n", errors.Select(e => e.ToString())));
        ImmutableArray<DiagnosticAnalyzer> analyzers =
            [new LoopCodeAnalyzer(), new UnjoinedTaskManagerAnalyzer(), new RegistrationDisposedBeforeJoinAnalyzer()];
        var diagnostics = await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.Select(d => d.Id).Distinct().Order()];
    }

    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, ".."));

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();
}
