using System.Reflection;
using System.Runtime.CompilerServices;

namespace Nursery.Tests.Api;

/// <summary>
/// What counts as the public API of an assembly: the types and members a consumer can name from another assembly
/// (public, plus protected / protected internal on types that can be derived from). Shared by the approved API
/// listing, the sealed-types guard and the XML-docs check, so all three look at exactly the same surface.
/// Compiler-generated members (backing fields, record plumbing, lambdas, state machines) and property and event
/// accessors (shown through their property or event) are left out.
/// </summary>
public static class PublicSurface
{
    private const BindingFlags Declared =
        BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    /// <summary>Every visible type, nested ones included, sorted by full name.</summary>
    public static IReadOnlyList<Type> Types(Assembly assembly) =>
        [.. assembly.GetTypes().Where(IsVisible).Where(t => !IsCompilerGenerated(t)).OrderBy(t => t.FullName, StringComparer.Ordinal)];

    /// <summary>The visible members <paramref name="type"/> declares itself (nested types excluded: they are types).</summary>
    public static IReadOnlyList<MemberInfo> Members(Type type)
    {
        var accessors = new HashSet<MethodInfo>(
            type.GetProperties(Declared).SelectMany(p => p.GetAccessors(nonPublic: true))
                .Concat(type.GetEvents(Declared).SelectMany(e => new[] { e.AddMethod, e.RemoveMethod, e.RaiseMethod }).OfType<MethodInfo>()));
        return [.. type.GetMembers(Declared).Where(m => m switch
        {
            Type => false,
            MethodInfo method => !accessors.Contains(method) && IsVisible(method, type),
            ConstructorInfo ctor => !ctor.IsStatic && IsVisible(ctor, type),
            PropertyInfo property => property.GetAccessors(nonPublic: true).Any(a => IsVisible(a, type)),
            EventInfo e => e.AddMethod is { } add && IsVisible(add, type),
            FieldInfo field => !field.IsSpecialName && IsVisible(field, type),
            _ => false,
        } && !IsCompilerGenerated(m))];
    }

    /// <summary>Whether another assembly can see <paramref name="type"/>: public, or protected inside a type it can derive from.</summary>
    public static bool IsVisible(Type type) => type.IsPublic ||
        (type.DeclaringType is { } outer && IsVisible(outer) &&
         (type.IsNestedPublic || ((type.IsNestedFamily || type.IsNestedFamORAssem) && CanBeDerived(outer))));

    /// <summary>Whether <paramref name="member"/> of <paramref name="type"/> can be reached from another assembly.</summary>
    public static bool IsVisible(MethodBase member, Type type) =>
        member.IsPublic || ((member.IsFamily || member.IsFamilyOrAssembly) && CanBeDerived(type));

    private static bool IsVisible(FieldInfo field, Type type) =>
        field.IsPublic || ((field.IsFamily || field.IsFamilyOrAssembly) && CanBeDerived(type));

    /// <summary>Protected members only matter on types another assembly could derive from.</summary>
    private static bool CanBeDerived(Type type) => type is { IsSealed: false, IsInterface: false, IsValueType: false };

    /// <summary>Marked by the compiler, or named so that C# could not have declared it (&lt;Clone&gt;$, backing fields).</summary>
    private static bool IsCompilerGenerated(MemberInfo member) =>
        member.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) || member.Name.Contains('<') || member.Name.Contains('$');
}
