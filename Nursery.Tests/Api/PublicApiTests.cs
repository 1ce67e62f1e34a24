using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;

namespace Nursery.Tests.Api;

/// <summary>
/// Guards the public surface of the Nursery assembly: the checked-in listing (api/Nursery.approved.txt) makes every
/// change to it a visible diff in review, public classes stay sealed unless designed for inheritance, and every
/// public member is documented.
/// </summary>
public class PublicApiTests
{
    private static readonly Assembly s_library = typeof(EventLoop).Assembly;

    /// <summary>The unsealed public classes that are meant to be (or look like they could be) derived from, and why.</summary>
    private static readonly Dictionary<string, string> s_designedForInheritance = new()
    {
        ["Nursery.LoopClock"] = "the base of SystemClock, VirtualClock and custom clocks",
        ["Nursery.ChildTask"] = "the base of ChildTask<T>; it has no public or protected constructor, so only the library derives from it",
        ["Nursery.LoopHostException"] = "the base of the loop hosts' exceptions",
    };

    /// <summary>
    /// Public members known to lack docs, listed so that the check guards everything else. Empty: keep it that way.
    /// (Implicit constructors are the usual culprit: CS1591 does not report them, so declare them with a summary.)
    /// The test fails while a listed member is documented, so the list cannot go stale.
    /// </summary>
    private static readonly string[] s_knownUndocumented = [];

    [Fact]
    public void PublicApi_OfTheNurseryAssembly_MatchesTheApprovedListing()
    {
        // At the repository root rather than next to this file: a change to the API shows up in review as a
        // change to api/Nursery.approved.txt. Accept an intended change with NURSERY_APPROVE=1.
        Approvals.VerifyFile(PublicApiWriter.Write(s_library), Path.Combine(RepositoryRoot(), "api", "Nursery.approved.txt"));
    }

    [Fact]
    public void PublicClasses_NotDesignedForInheritance_AreSealed()
    {
        var unsealed = UnsealedWithoutReason(PublicSurface.Types(s_library));
        Assert.True(unsealed.Count == 0,
            $"Public classes must be sealed unless designed for inheritance (then add them, with the reason, to {nameof(s_designedForInheritance)}): {string.Join(", ", unsealed)}");
    }

    [Fact]
    public void UnsealedWithoutReason_OnTheSample_FindsItsOpenClassesAndNothingElse()
    {
        // The guard above must be able to fail: on the sample it finds the abstract, open and record classes, and
        // leaves out static classes, sealed classes, structs, enums, interfaces and delegates.
        var types = PublicSurface.Types(typeof(Sample.ApiSample).Assembly).Where(t => t.Namespace == typeof(Sample.ApiSample).Namespace);
        Assert.Equal(["ApiSample+Base", "ApiSample+Derived", "ApiSample+Rec"], UnsealedWithoutReason(types).Select(n => n[(n.LastIndexOf('.') + 1)..]));
    }

    /// <summary>Public classes that are neither sealed, nor static, nor exceptions, nor allow-listed.</summary>
    private static List<string> UnsealedWithoutReason(IEnumerable<Type> types) =>
        [.. types
            .Where(t => t is { IsClass: true, IsSealed: false } && !IsDelegate(t))
            .Where(t => !typeof(Exception).IsAssignableFrom(t)) // exceptions are conventionally left open
            .Where(t => !s_designedForInheritance.ContainsKey(t.FullName!))
            .Select(t => t.FullName!)];

    [Fact]
    public void ChildTask_CannotBeDerivedFromOutsideTheLibrary()
    {
        // The allow-list entry for ChildTask relies on this: no constructor another assembly could call.
        var constructors = PublicSurface.Members(typeof(ChildTask)).OfType<ConstructorInfo>().ToList();
        Assert.Empty(constructors);
    }

    [Fact]
    public void PublicMembers_OfTheNurseryAssembly_AllHaveXmlDocs()
    {
        var undocumented = Undocumented(s_library, PublicSurface.Types(s_library));
        var missing = undocumented.Except(s_knownUndocumented).ToList();
        var stale = s_knownUndocumented.Except(undocumented).ToList();
        Assert.True(missing.Count == 0, $"Public API without an XML <summary> (or <inheritdoc/>) in Nursery.xml:\n  {string.Join("\n  ", missing)}");
        Assert.True(stale.Count == 0, $"Documented now, so remove from {nameof(s_knownUndocumented)}: {string.Join(", ", stale)}");
    }

    [Fact]
    public void Undocumented_OnTheSample_ListsMembersWithoutASummaryOnly()
    {
        // The check above must be able to fail: in the sample only the class itself has a summary.
        var sample = typeof(Sample.ApiSample);
        var undocumented = Undocumented(sample.Assembly, [sample]);
        Assert.DoesNotContain("T:Nursery.Tests.Api.Sample.ApiSample", undocumented);
        Assert.Contains("F:Nursery.Tests.Api.Sample.ApiSample.Answer", undocumented);
        Assert.Contains("M:Nursery.Tests.Api.Sample.ApiSample.Twice(System.Int32)", undocumented);
    }

    /// <summary>The doc ids of <paramref name="types"/> and their public members that have no summary in the assembly's XML docs.</summary>
    private static List<string> Undocumented(Assembly assembly, IEnumerable<Type> types)
    {
        var docsPath = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(docsPath), $"No XML docs beside the assembly at {docsPath} (GenerateDocumentationFile should produce it).");
        var documented = XDocument.Load(docsPath).Descendants("member")
            .Where(m => m.Element("inheritdoc") is not null || !string.IsNullOrWhiteSpace(m.Element("summary")?.Value))
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);
        return [.. types
            .SelectMany(t => PublicSurface.Members(t).Select(XmlDocId.Of).Prepend(XmlDocId.Of(t)))
            .Where(id => !documented.Contains(id))];
    }

    [Fact]
    public void XmlDocId_OfKnownMembers_MatchesWhatTheCompilerWrites()
    {
        // Pins the id format against a few ids copied from Nursery.xml, so the docs check above cannot pass by
        // computing ids that match nothing (it would then report every member instead, but this says why).
        Assert.Equal("T:Nursery.ChildTask`1", XmlDocId.Of(typeof(ChildTask<>)));
        Assert.Equal("M:Nursery.TaskManager.Spawn``1(System.Func{System.Threading.CancellationToken,System.Threading.Tasks.Task{``0}})",
            XmlDocId.Of(typeof(TaskManager).GetMethods().Single(m => m.Name == "Spawn" && m.IsGenericMethodDefinition && m.GetParameters() is [{ ParameterType.Name: "Func`2" }])));
        Assert.Equal("M:Nursery.EventLoop.#ctor(Nursery.LoopClock)", XmlDocId.Of(typeof(EventLoop).GetConstructor([typeof(LoopClock)])!));
        Assert.Equal("P:Nursery.ChildTask`1.Completion", XmlDocId.Of(typeof(ChildTask<>).GetProperty("Completion", BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)!));
    }

    private static bool IsDelegate(Type type) => type.IsSubclassOf(typeof(Delegate));

    /// <summary>The folder that holds Nursery.sln, found from this source file's path.</summary>
    private static string RepositoryRoot([CallerFilePath] string thisFile = "")
    {
        for (var dir = Path.GetDirectoryName(thisFile); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Nursery.sln"))) return dir;
        }
        throw new InvalidOperationException($"No Nursery.sln above {thisFile}.");
    }
}
