using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Nursery.Analyzers.Tests.Support;

/// <summary>
/// Runs an analyzer (and a code fix) over a test source with the Microsoft.CodeAnalysis testing library. Expected
/// diagnostics are marked in the source: <c>{|NURSERY001:text|}</c> means exactly that id on exactly that text, and
/// every diagnostic not marked fails the test, as does any compiler error in the source.
/// </summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>A diagnostic expected at a {|#n:...|} location, to check its message arguments too.</summary>
    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    /// <summary>Analyzes a class-library source (usings added).</summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        RunAsync(Test(source, OutputKind.DynamicallyLinkedLibrary), expected);

    /// <summary>Analyzes a program of top-level statements (usings added).</summary>
    public static Task ProgramAsync(string source, params DiagnosticResult[] expected) =>
        RunAsync(Test(source, OutputKind.ConsoleApplication), expected);

    /// <summary>Applies <typeparamref name="TCodeFix"/> to every marked diagnostic and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            ReferenceAssemblies = Sources.Net10,
            TestCode = Sources.Usings + source,
            FixedCode = Sources.Usings + fixedSource,
        };
        test.TestState.AdditionalReferences.Add(Sources.Nursery);
        test.FixedState.AdditionalReferences.Add(Sources.Nursery);
        return test.RunAsync();
    }

    private static CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> Test(string source, OutputKind kind)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            ReferenceAssemblies = Sources.Net10,
            TestCode = Sources.Usings + source,
        };
        test.TestState.OutputKind = kind;
        test.TestState.AdditionalReferences.Add(Sources.Nursery);
        return test;
    }

    private static Task RunAsync(CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> test, DiagnosticResult[] expected)
    {
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}
