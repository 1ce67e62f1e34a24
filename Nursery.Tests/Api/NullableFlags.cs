using System.Collections.ObjectModel;
using System.Reflection;

namespace Nursery.Tests.Api;

/// <summary>
/// Reads the compiler's nullable annotations of one type reference in a signature (a parameter, return value,
/// property, field or event), one flag at a time in the order the compiler wrote them, as described in Roslyn's
/// docs/features/nullable-metadata.md.
/// </summary>
/// <remarks>
/// NullabilityInfoContext answers a different question (what may flow at run time): it reports an unconstrained
/// <c>T</c> as nullable whether or not the source says <c>T?</c>, which would make the listing claim
/// <c>Task&lt;T?&gt;</c> where the code says <c>Task&lt;T&gt;</c>. So the listing reads the flags itself.
/// </remarks>
public sealed class NullableFlags
{
    private const byte Annotated = 2;

    /// <summary>The flags of the NullableAttribute, or null to use <see cref="_context"/> for every type reference.</summary>
    private readonly byte[]? _flags;

    /// <summary>The flag that applies when there is no NullableAttribute: the nearest NullableContextAttribute.</summary>
    private readonly byte _context;

    /// <summary>The next flag to read.</summary>
    private int _index;

    private NullableFlags(IEnumerable<CustomAttributeData> attributes, MemberInfo scope)
    {
        _flags = FlagsOf(attributes);
        _context = ContextOf(scope);
    }

    /// <summary>
    /// The flags of a parameter. An indexer's parameters are reported on the property, but their context is the
    /// accessor's (the compiler may have put a NullableContext on it).
    /// </summary>
    public static NullableFlags Of(ParameterInfo parameter) =>
        new(parameter.CustomAttributes, parameter.Member is PropertyInfo p ? p.GetMethod ?? p.SetMethod! : parameter.Member);

    public static NullableFlags Of(MemberInfo member) => new(member.CustomAttributes, member);

    /// <summary>The flag on a generic parameter's definition: 1 for <c>notnull</c> or <c>class</c>, 2 for <c>class?</c> or no constraint.</summary>
    public static byte OfDefinition(Type genericParameter) =>
        new NullableFlags(genericParameter.CustomAttributes, (MemberInfo?)genericParameter.DeclaringMethod ?? genericParameter.DeclaringType!).Next();

    /// <summary>Reads the next flag and tells whether it says "annotated" (<c>?</c>).</summary>
    public bool NextIsAnnotated() => Next() == Annotated;

    /// <summary>Reads the next flag: 0 oblivious, 1 not annotated, 2 annotated.</summary>
    private byte Next()
    {
        var flag = _flags is null ? _context : _flags.Length == 1 ? _flags[0] : _index < _flags.Length ? _flags[_index] : (byte)0;
        _index++;
        return flag;
    }

    private static byte[]? FlagsOf(IEnumerable<CustomAttributeData> attributes)
    {
        var nullable = attributes.FirstOrDefault(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.NullableAttribute");
        return nullable?.ConstructorArguments[0].Value switch
        {
            byte single => [single],
            ReadOnlyCollection<CustomAttributeTypedArgument> many => [.. many.Select(f => (byte)f.Value!)],
            _ => null,
        };
    }

    /// <summary>The nearest NullableContextAttribute: on the method, then the types around it, then the module.</summary>
    private static byte ContextOf(MemberInfo scope)
    {
        for (MemberInfo? m = scope; m is not null; m = m.DeclaringType)
        {
            if (ContextFlag(m.CustomAttributes) is { } flag) return flag;
        }
        return ContextFlag(scope.Module.CustomAttributes) ?? 0;
    }

    private static byte? ContextFlag(IEnumerable<CustomAttributeData> attributes) =>
        attributes.FirstOrDefault(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.NullableContextAttribute")
            ?.ConstructorArguments[0].Value as byte?;
}
