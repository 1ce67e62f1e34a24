using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Nursery.Tests.Api.Sample;

namespace Nursery.Tests.Api;

/// <summary>
/// Rules for the public surface that the API listing (<see cref="PublicApiTests"/>) does not enforce: public classes
/// stay sealed unless designed for inheritance, what the compiler's CS1591 cannot see is documented too, and no
/// public signature is nullable-oblivious. Each rule also runs on <see cref="GuardSample"/>, where it must fire.
/// </summary>
public class PublicApiGuardTests
{
    private const BindingFlags Declared =
        BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static readonly Assembly s_library = typeof(EventLoop).Assembly;

    /// <summary>The unsealed public classes that are meant to be (or look like they could be) derived from, and why.</summary>
    private static readonly Dictionary<string, string> s_designedForInheritance = new()
    {
        ["Nursery.LoopClock"] = "the base of SystemClock, VirtualClock and custom clocks",
        ["Nursery.ChildTask"] = "the base of ChildTask<T>; it has no public or protected constructor, so only the library derives from it",
        ["Nursery.LoopHostException"] = "the base of the loop hosts' exceptions",
    };

    private static IEnumerable<Type> SampleTypes => typeof(GuardSample).GetNestedTypes().Prepend(typeof(GuardSample));

    [Fact]
    public void PublicClasses_NotDesignedForInheritance_AreSealed()
    {
        var unsealed = UnsealedWithoutReason(s_library.GetExportedTypes());
        Assert.True(unsealed.Count == 0,
            $"Public classes must be sealed unless designed for inheritance (then add them, with the reason, to {nameof(s_designedForInheritance)}): {string.Join(", ", unsealed)}");
    }

    [Fact]
    public void UnsealedWithoutReason_OnTheSample_FindsItsOpenClassesAndNothingElse()
    {
        // Static and sealed classes, structs, enums, interfaces and delegates are left out.
        Assert.Equal(["GuardSample+Base", "GuardSample+Open", "GuardSample+Rec"],
            UnsealedWithoutReason(SampleTypes).Select(n => n[(n.LastIndexOf('.') + 1)..]).Order(StringComparer.Ordinal));
    }

    /// <summary>Public classes that are neither sealed, nor static, nor delegates, nor exceptions, nor allow-listed.</summary>
    private static List<string> UnsealedWithoutReason(IEnumerable<Type> types) =>
        [.. types
            .Where(t => t is { IsClass: true, IsSealed: false } && !t.IsSubclassOf(typeof(Delegate)))
            .Where(t => !typeof(Exception).IsAssignableFrom(t)) // exceptions are conventionally left open
            .Where(t => !s_designedForInheritance.ContainsKey(t.FullName!))
            .Select(t => t.FullName!)];

    [Fact]
    public void ChildTask_CannotBeDerivedFromOutsideTheLibrary()
    {
        // The allow-list entry for ChildTask relies on this: no constructor another assembly could call.
        Assert.DoesNotContain(typeof(ChildTask).GetConstructors(Declared), IsVisible);
    }

    [Fact]
    public void PublicTypesAndTheirParameterlessConstructors_OfTheNurseryAssembly_HaveXmlDocs()
    {
        var undocumented = Undocumented(s_library, s_library.GetExportedTypes());
        Assert.True(undocumented.Count == 0,
            $"Public API without an XML <summary> (or <inheritdoc/>) in Nursery.xml (declare an implicit constructor to document it):\n  {string.Join("\n  ", undocumented)}");
    }

    [Fact]
    public void Undocumented_OnTheSample_ListsTheUndocumentedTypesAndTheImplicitConstructor()
    {
        var undocumented = Undocumented(typeof(GuardSample).Assembly, SampleTypes);
        const string prefix = "Nursery.Tests.Api.Sample.GuardSample";
        Assert.DoesNotContain($"T:{prefix}", undocumented);
        Assert.DoesNotContain($"T:{prefix}.Documented", undocumented);
        Assert.DoesNotContain($"M:{prefix}.Documented.#ctor", undocumented);
        Assert.Contains($"T:{prefix}.Open", undocumented);
        Assert.Contains($"M:{prefix}.Open.#ctor", undocumented);
        Assert.Contains($"M:{prefix}.Base.#ctor", undocumented);
    }

    /// <summary>
    /// The doc ids of <paramref name="types"/> and of their visible parameterless constructors that have no summary
    /// in the assembly's XML docs. CS1591 (an error in the library's build) already reports every member declared
    /// without docs; it never reports a constructor the compiler adds, nor a doc comment without a summary.
    /// </summary>
    private static List<string> Undocumented(Assembly assembly, IEnumerable<Type> types)
    {
        var docsPath = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(docsPath), $"No XML docs beside the assembly at {docsPath} (GenerateDocumentationFile should produce it).");
        var documented = XDocument.Load(docsPath).Descendants("member")
            .Where(m => m.Element("inheritdoc") is not null || !string.IsNullOrWhiteSpace(m.Element("summary")?.Value))
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);
        return [.. types
            .SelectMany(t =>
            {
                // A doc id names a type by its full name with '.' between nested types (ChildTask`1, Outer.Inner).
                var name = t.FullName!.Replace('+', '.');
                var constructors = t.GetConstructors(Declared).Where(c => !c.IsStatic && c.GetParameters().Length == 0 && IsVisible(c));
                return constructors.Select(_ => $"M:{name}.#ctor").Prepend($"T:{name}");
            })
            .Where(id => !documented.Contains(id))];
    }

    [Fact]
    public void PublicSignatures_OfTheNurseryAssembly_AreNullableAnnotated()
    {
        var oblivious = Oblivious(s_library.GetExportedTypes());
        Assert.True(oblivious.Count == 0,
            $"Public signatures compiled without nullable annotations (remove the #nullable disable around them):\n  {string.Join("\n  ", oblivious)}");
    }

    [Fact]
    public void Oblivious_OnTheSample_FindsTheReferenceTypesUnderNullableDisable()
    {
        Assert.Equal(["Oblivious.Echo: return", "Oblivious.Echo: text", "Oblivious.Names"],
            Oblivious(SampleTypes).Select(n => n[(n.LastIndexOf('+') + 1)..]).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Each place in the visible signatures of <paramref name="types"/> where a reference type (or one of its type
    /// arguments) carries no nullable annotation at all: callers then get no warnings about null there.
    /// </summary>
    private static List<string> Oblivious(IEnumerable<Type> types)
    {
        var context = new NullabilityInfoContext();
        var found = new List<string>();
        foreach (var type in types)
        {
            // The compiler writes a delegate's constructor and BeginInvoke/EndInvoke, and a record's ToString, Equals,
            // …, without annotations whatever the context: only what the source declared counts.
            var declared = type.IsSubclassOf(typeof(Delegate))
                ? [type.GetMethod("Invoke")!]
                : type.GetMembers(Declared).Where(m => !m.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false));
            foreach (var member in declared)
            {
                IEnumerable<(string Where, NullabilityInfo Info)> positions = member switch
                {
                    MethodBase { IsSpecialName: false } or ConstructorInfo when IsVisible((MethodBase)member) =>
                        ((MethodBase)member).GetParameters().Select(p => (p.Name!, context.Create(p)))
                            .Concat(member is MethodInfo method ? [("return", context.Create(method.ReturnParameter))] : []),
                    PropertyInfo property when property.GetAccessors(nonPublic: true).Any(IsVisible) => [("", context.Create(property))],
                    FieldInfo field when field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly => [("", context.Create(field))],
                    EventInfo e when e.AddMethod is { } add && IsVisible(add) => [("", context.Create(e))],
                    _ => [],
                };
                found.AddRange(positions.Where(p => IsOblivious(p.Info))
                    .Select(p => $"{type.FullName}.{member.Name}" + (p.Where.Length > 0 ? $": {p.Where}" : "")));
            }
        }
        return found;
    }

    private static bool IsOblivious(NullabilityInfo info) =>
        (!info.Type.IsValueType && info.ReadState == NullabilityState.Unknown) ||
        info.GenericTypeArguments.Any(IsOblivious) ||
        (info.ElementType is { } element && IsOblivious(element));

    /// <summary>Whether another assembly can call <paramref name="member"/>: public, or protected on a class it can derive from.</summary>
    private static bool IsVisible(MethodBase member) =>
        member.IsPublic || ((member.IsFamily || member.IsFamilyOrAssembly) && member.DeclaringType is { IsSealed: false });
}
