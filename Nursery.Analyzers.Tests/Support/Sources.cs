using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Nursery.Analyzers.Tests.Support;

/// <summary>What every test compilation gets: .NET 10's reference assemblies, Nursery.dll and the usual usings.</summary>
internal static class Sources
{
    /// <summary>
    /// The .NET 10 reference assemblies, pinned to a Microsoft.NETCore.App.Ref version the package feed serves (the
    /// testing library's own ReferenceAssemblies.Net.* presets name versions it does not).
    /// </summary>
    public static readonly ReferenceAssemblies Net10 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"),
        Path.Combine("ref", "net10.0"));

    /// <summary>The real Nursery.dll this test project was built against.</summary>
    public static readonly MetadataReference Nursery = MetadataReference.CreateFromFile(typeof(EventLoop).Assembly.Location);

    /// <summary>Usings every test source starts with, so the sources show only what the test is about.</summary>
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Nursery;

        """;
}
