using System.Reflection;

namespace Nursery.Tests.Api;

/// <summary>
/// The documentation-comment id the C# compiler writes into the XML docs file for a type or member
/// (<c>T:Nursery.ChildTask`1</c>, <c>M:Nursery.TaskManager.Spawn``1(System.Func{``0})</c>, …), so reflection
/// can be matched against Nursery.xml. Follows the "ID string" rules of the C# specification (annex D).
/// </summary>
public static class XmlDocId
{
    public static string Of(Type type) => "T:" + DefinitionName(type);

    public static string Of(MemberInfo member) => member switch
    {
        Type type => Of(type),
        FieldInfo field => $"F:{DefinitionName(field.DeclaringType!)}.{field.Name}",
        EventInfo e => $"E:{DefinitionName(e.DeclaringType!)}.{e.Name}",
        PropertyInfo property => $"P:{DefinitionName(property.DeclaringType!)}.{property.Name}{ParameterList(property.GetIndexParameters())}",
        ConstructorInfo ctor => $"M:{DefinitionName(ctor.DeclaringType!)}.{(ctor.IsStatic ? "#cctor" : "#ctor")}{ParameterList(ctor.GetParameters())}",
        MethodInfo method => $"M:{DefinitionName(method.DeclaringType!)}.{method.Name.Replace('.', '#')}" +
            (method.IsGenericMethodDefinition ? "``" + method.GetGenericArguments().Length : "") +
            ParameterList(method.GetParameters()) +
            (method.Name is "op_Implicit" or "op_Explicit" ? "~" + TypeName(method.ReturnType) : ""),
        _ => throw new NotSupportedException(member.GetType().Name),
    };

    /// <summary>A type definition: Namespace.Outer.Inner`1 (arity kept, '.' between nested types).</summary>
    private static string DefinitionName(Type type) =>
        type.DeclaringType is { } outer ? DefinitionName(outer) + "." + type.Name : (type.Namespace is { } ns ? ns + "." : "") + type.Name;

    private static string ParameterList(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => TypeName(p.ParameterType))) + ")";

    /// <summary>A type used in a signature: generic parameters as `n / ``n, constructed generics as Name{A,B}.</summary>
    private static string TypeName(Type type)
    {
        if (type.IsByRef) return TypeName(type.GetElementType()!) + "@";
        if (type.IsPointer) return TypeName(type.GetElementType()!) + "*";
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return TypeName(type.GetElementType()!) + (type.IsSZArray ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", rank)) + "]");
        }
        if (type.IsGenericParameter) return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        if (!type.IsGenericType) return DefinitionName(type);

        // Outer{A}.Inner{B}: each type in the chain lists its own share of the arguments.
        var arguments = type.GetGenericArguments();
        var chain = new List<Type>();
        for (var t = type; t is not null; t = t.DeclaringType) chain.Insert(0, t);
        var parts = new List<string>();
        var used = 0;
        foreach (var t in chain)
        {
            var count = t.IsGenericType ? t.GetGenericArguments().Length - used : 0;
            var name = t.Name.IndexOf('`') is var tick and >= 0 ? t.Name[..tick] : t.Name;
            if (count > 0) name += "{" + string.Join(",", arguments.Skip(used).Take(count).Select(TypeName)) + "}";
            used += Math.Max(count, 0);
            parts.Add(name);
        }
        return (chain[0].Namespace is { } ns ? ns + "." : "") + string.Join(".", parts);
    }
}
