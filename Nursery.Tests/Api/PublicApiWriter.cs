using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Nursery.Tests.Api;

/// <summary>
/// Writes the public API of an assembly as C#-like declarations, one line per member, grouped by type: type kind
/// and modifiers, base type and public interfaces, generic constraints, and each member's full signature with
/// parameter names, ref/out/in/params, default values, API-relevant attributes and nullability annotations.
/// </summary>
/// <remarks>
/// The text is meant to be read in review: types are sorted by full name, members by kind and then by signature,
/// and types from a few well-known namespaces are written without their namespace (listed in the header). The
/// output depends on nothing but the assembly's metadata, so it is the same on every machine and run.
/// </remarks>
public sealed class PublicApiWriter
{
    /// <summary>Types in these namespaces are written by their short name.</summary>
    private static readonly string[] s_imported =
    [
        "System", "System.Collections.Generic", "System.Collections.Immutable", "System.Diagnostics",
        "System.Diagnostics.CodeAnalysis", "System.IO",
        "System.Runtime.CompilerServices", "System.Threading", "System.Threading.Tasks",
    ];

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void", [typeof(object)] = "object", [typeof(string)] = "string", [typeof(bool)] = "bool",
        [typeof(char)] = "char", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short",
        [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long",
        [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    private static readonly Dictionary<string, string> s_operators = new()
    {
        ["op_Equality"] = "==", ["op_Inequality"] = "!=", ["op_LessThan"] = "<", ["op_GreaterThan"] = ">",
        ["op_LessThanOrEqual"] = "<=", ["op_GreaterThanOrEqual"] = ">=", ["op_Addition"] = "+", ["op_Subtraction"] = "-",
        ["op_Multiply"] = "*", ["op_Division"] = "/", ["op_Modulus"] = "%", ["op_UnaryNegation"] = "-",
        ["op_UnaryPlus"] = "+", ["op_LogicalNot"] = "!", ["op_OnesComplement"] = "~", ["op_BitwiseAnd"] = "&",
        ["op_BitwiseOr"] = "|", ["op_ExclusiveOr"] = "^", ["op_Increment"] = "++", ["op_Decrement"] = "--",
        ["op_True"] = "true", ["op_False"] = "false", ["op_LeftShift"] = "<<", ["op_RightShift"] = ">>",
        ["op_UnsignedRightShift"] = ">>>",
    };

    /// <summary>Attributes that change how an API may be called, so they belong in the listing.</summary>
    private static readonly string[] s_shownAttributeNamespaces = ["System.Diagnostics.CodeAnalysis"];

    private static readonly Type[] s_shownAttributes =
    [
        typeof(ObsoleteAttribute), typeof(FlagsAttribute), typeof(AttributeUsageAttribute),
        typeof(CallerFilePathAttribute), typeof(CallerLineNumberAttribute), typeof(CallerMemberNameAttribute),
        typeof(CallerArgumentExpressionAttribute), typeof(EnumeratorCancellationAttribute),
    ];

    /// <summary>Namespaces whose types are written by their short name: the well-known ones and those being listed.</summary>
    private readonly List<string> _shortNamespaces;

    private PublicApiWriter(IEnumerable<string> listedNamespaces) =>
        _shortNamespaces = [.. s_imported, .. listedNamespaces.Except(s_imported).Order(StringComparer.Ordinal)];

    public static string Write(Assembly assembly) => Write(assembly.GetName().Name + ".dll", PublicSurface.Types(assembly));

    /// <summary>The listing of <paramref name="types"/>, in the order given, under a header naming <paramref name="title"/>.</summary>
    public static string Write(string title, IEnumerable<Type> types)
    {
        var listed = types.ToList();
        return new PublicApiWriter(listed.Select(t => t.Namespace).OfType<string>().Distinct()).WriteListing(title, listed);
    }

    private string WriteListing(string title, IReadOnlyList<Type> types)
    {
        var text = new StringBuilder();
        text.Append("// Public API of ").Append(title).AppendLine(", written by Nursery.Tests/Api/PublicApiTests.cs.");
        text.AppendLine("// Do not edit: run `NURSERY_APPROVE=1 dotnet test --filter PublicApi` and review the diff.");
        text.Append("// Written without namespace: types from ").Append(string.Join(", ", _shortNamespaces)).AppendLine(".");
        text.AppendLine("// Left out: members the compiler generates (implied by `record` or `delegate`: Equals, ToString, Invoke, …).");
        string? currentNamespace = null;
        foreach (var type in types)
        {
            if (type.Namespace != currentNamespace)
            {
                currentNamespace = type.Namespace;
                text.AppendLine().Append("namespace ").AppendLine(currentNamespace ?? "<global>");
            }
            text.AppendLine();
            foreach (var attribute in Attributes(type.CustomAttributes)) text.AppendLine(attribute);
            text.AppendLine(TypeDeclaration(type));
            if (IsDelegate(type)) continue; // Invoke, BeginInvoke, … are implied by `delegate`
            var members = PublicSurface.Members(type)
                .Select(m => (Member: m, Line: Member(m, type)))
                .OrderBy(m => Order(m.Member))
                .ThenBy(m => m.Member is FieldInfo { IsLiteral: true } f && type.IsEnum ? Convert.ToDecimal(f.GetRawConstantValue(), CultureInfo.InvariantCulture) : 0)
                .ThenBy(m => m.Member is ConstructorInfo ? "" : m.Member.Name, StringComparer.Ordinal)
                .ThenBy(m => m.Line, StringComparer.Ordinal);
            foreach (var (_, line) in members) text.Append("    ").AppendLine(line);
        }
        return text.ToString();
    }

    // ---- types ----

    private string TypeDeclaration(Type type)
    {
        var line = new StringBuilder(type.IsNestedPublic || type.IsPublic ? "public " : "protected ");
        if (IsDelegate(type))
        {
            var invoke = type.GetMethod("Invoke")!;
            line.Append("delegate ").Append(ReturnType(invoke)).Append(' ').Append(DeclaredName(type))
                .Append('(').Append(Parameters(invoke)).Append(')').Append(Constraints(type.GetGenericArguments()));
            return line.Append(';').ToString();
        }
        if (type.IsEnum)
        {
            line.Append("enum ").Append(DeclaredName(type));
            var underlying = Enum.GetUnderlyingType(type);
            if (underlying != typeof(int)) line.Append(" : ").Append(Name(underlying));
            return line.ToString();
        }
        if (type.IsInterface) line.Append("interface ");
        else if (type.IsValueType)
        {
            if (type.IsDefined(typeof(IsReadOnlyAttribute), false)) line.Append("readonly ");
            if (type.IsByRefLike) line.Append("ref ");
            line.Append(IsRecord(type) ? "record struct " : "struct ");
        }
        else
        {
            if (type.IsAbstract && type.IsSealed) line.Append("static ");
            else if (type.IsAbstract) line.Append("abstract ");
            else if (type.IsSealed) line.Append("sealed ");
            line.Append(IsRecord(type) ? "record " : "class ");
        }
        line.Append(DeclaredName(type));

        var bases = new List<string>();
        if (type is { IsClass: true, BaseType: { } baseType } && baseType != typeof(object)) bases.Add(Name(baseType));
        bases.AddRange(type.GetInterfaces().Where(i => i.IsVisible).Select(i => Name(i)).Order(StringComparer.Ordinal));
        if (bases.Count > 0) line.Append(" : ").Append(string.Join(", ", bases));
        return line.Append(Constraints(type.GetGenericArguments())).ToString();
    }

    private bool IsDelegate(Type type) => type.IsSubclassOf(typeof(MulticastDelegate));

    /// <summary>Records are recognised by the members the compiler adds to them.</summary>
    private bool IsRecord(Type type) =>
        type.GetMethod("<Clone>$") is not null ||
        (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is { } print &&
         print.IsDefined(typeof(CompilerGeneratedAttribute), false));

    /// <summary>The name a declaration uses: Outer.Inner&lt;T&gt;, without namespace.</summary>
    private string DeclaredName(Type type)
    {
        var name = StripArity(type.Name);
        var own = OwnGenericArguments(type);
        if (own.Length > 0) name += "<" + string.Join(", ", own.Select(GenericParameter)) + ">";
        return type.DeclaringType is { } outer ? DeclaredName(outer) + "." + name : name;
    }

    private string GenericParameter(Type parameter)
    {
        var variance = parameter.GenericParameterAttributes & GenericParameterAttributes.VarianceMask;
        return variance switch
        {
            GenericParameterAttributes.Covariant => "out ",
            GenericParameterAttributes.Contravariant => "in ",
            _ => "",
        } + parameter.Name;
    }

    private string Constraints(Type[] genericArguments)
    {
        var text = new StringBuilder();
        foreach (var parameter in genericArguments.Where(a => a.IsGenericParameter))
        {
            var attributes = parameter.GenericParameterAttributes;
            var flag = NullableFlags.OfDefinition(parameter);
            var parts = new List<string>();
            if (attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
                parts.Add(parameter.CustomAttributes.Any(a => a.AttributeType.Name == "IsUnmanagedAttribute") ? "unmanaged" : "struct");
            else if (attributes.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint)) parts.Add(flag == 2 ? "class?" : "class");
            var types = parameter.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(c => Name(c)).Order(StringComparer.Ordinal).ToList();
            if (parts.Count == 0 && types.Count == 0 && flag == 1) parts.Add("notnull");
            parts.AddRange(types);
            if (attributes.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) &&
                !attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint)) parts.Add("new()");
            if (attributes.HasFlag(GenericParameterAttributes.AllowByRefLike)) parts.Add("allows ref struct");
            if (parts.Count > 0) text.Append(" where ").Append(parameter.Name).Append(" : ").Append(string.Join(", ", parts));
        }
        return text.ToString();
    }

    // ---- members ----

    /// <summary>Fields first, then constructors, properties, events, methods and operators.</summary>
    private int Order(MemberInfo member) => member switch
    {
        FieldInfo => 0,
        ConstructorInfo => 1,
        PropertyInfo => 2,
        EventInfo => 3,
        MethodInfo { IsSpecialName: true } m when m.Name.StartsWith("op_", StringComparison.Ordinal) => 5,
        _ => 4,
    };

    private string Member(MemberInfo member, Type type)
    {
        var attributes = string.Concat(Attributes(member.CustomAttributes).Select(a => a + " "));
        return attributes + member switch
        {
            FieldInfo f when type.IsEnum => $"{f.Name} = {Convert.ToString(f.GetRawConstantValue(), CultureInfo.InvariantCulture)},",
            FieldInfo f => Field(f),
            ConstructorInfo c => $"{Access(c)} {StripArity(type.Name)}({Parameters(c)})",
            PropertyInfo p => Property(p, type),
            EventInfo e => $"{Modifiers(e.AddMethod!, type)}event {Name(e.EventHandlerType!, NullableFlags.Of(e))} {e.Name};",
            MethodInfo m => Method(m, type),
            _ => throw new NotSupportedException(member.GetType().Name),
        };
    }

    private string Field(FieldInfo field)
    {
        var line = new StringBuilder(field.IsPublic ? "public " : field.IsFamilyOrAssembly ? "protected internal " : "protected ");
        if (field.IsLiteral) line.Append("const ");
        else
        {
            if (field.IsStatic) line.Append("static ");
            if (field.IsInitOnly) line.Append("readonly ");
        }
        line.Append(Name(field.FieldType, NullableFlags.Of(field))).Append(' ').Append(field.Name);
        if (field.IsLiteral) line.Append(" = ").Append(Literal(field.GetRawConstantValue(), field.FieldType));
        return line.Append(';').ToString();
    }

    private string Property(PropertyInfo property, Type type)
    {
        var accessors = property.GetAccessors(nonPublic: true).Where(a => PublicSurface.IsVisible(a, type)).ToList();
        var main = accessors.OrderBy(a => a.IsPublic ? 0 : 1).First();
        var indexParameters = property.GetIndexParameters();
        var line = new StringBuilder(Modifiers(main, type));
        if (property.IsDefined(typeof(RequiredMemberAttribute), false)) line.Append("required ");
        line.Append(Name(property.PropertyType, NullableFlags.Of(property))).Append(' ');
        line.Append(indexParameters.Length > 0 ? $"this[{string.Join(", ", indexParameters.Select(Parameter))}]" : property.Name);
        line.Append(" {");
        foreach (var accessor in new[] { property.GetMethod, property.SetMethod })
        {
            if (accessor is null || !accessors.Contains(accessor)) continue;
            line.Append(' ');
            if (Access(accessor) != Access(main)) line.Append(Access(accessor)).Append(' ');
            var isInit = accessor == property.SetMethod && accessor.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            line.Append(accessor == property.GetMethod ? "get" : isInit ? "init" : "set").Append(';');
        }
        return line.Append(" }").ToString();
    }

    private string Method(MethodInfo method, Type type)
    {
        var line = new StringBuilder(Modifiers(method, type));
        var parameters = $"({Parameters(method)})";
        if (method.IsSpecialName && method.Name is "op_Implicit" or "op_Explicit")
            return line.Append(method.Name == "op_Implicit" ? "implicit" : "explicit").Append(" operator ").Append(ReturnType(method)).Append(parameters).ToString();
        line.Append(ReturnType(method)).Append(' ');
        if (method.IsSpecialName && s_operators.TryGetValue(method.Name, out var op)) line.Append("operator ").Append(op);
        else line.Append(method.Name);
        if (method.IsGenericMethodDefinition) line.Append('<').Append(string.Join(", ", method.GetGenericArguments().Select(a => a.Name))).Append('>');
        line.Append(parameters);
        if (method.IsGenericMethodDefinition) line.Append(Constraints(method.GetGenericArguments()));
        return line.ToString();
    }

    private string Access(MethodBase method) =>
        method.IsPublic ? "public" : method.IsFamilyOrAssembly ? "protected internal" : method.IsFamily ? "protected" : "internal";

    /// <summary>Accessibility and static/abstract/virtual/override/sealed/new, with a trailing space (nothing for interface members).</summary>
    private string Modifiers(MethodInfo method, Type type)
    {
        if (type.IsInterface) return method.IsStatic ? (method.IsAbstract ? "static abstract " : "static ") : "";
        var modifiers = new StringBuilder(Access(method)).Append(' ');
        var isOverride = method.IsVirtual && method.GetBaseDefinition().DeclaringType != method.DeclaringType;
        if (method.IsStatic) modifiers.Append("static ");
        if (method.IsAbstract) modifiers.Append(isOverride ? "abstract override " : "abstract ");
        else if (isOverride) modifiers.Append(method.IsFinal ? "sealed override " : "override ");
        else if (method.IsVirtual && !method.IsFinal) modifiers.Append("virtual ");
        if (!isOverride && HidesInheritedMember(method, type)) modifiers.Append("new ");
        return modifiers.ToString();
    }

    /// <summary>Whether a base class has a visible member of the same name (and, for methods, the same parameters).</summary>
    private bool HidesInheritedMember(MethodInfo method, Type type)
    {
        var property = type.GetProperties(BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(p => p.GetAccessors(nonPublic: true).Contains(method));
        var parameterTypes = method.GetParameters().Select(p => p.ParameterType).ToArray();
        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            const BindingFlags flags = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
            if (property is not null
                ? b.GetProperties(flags).Any(p => p.Name == property.Name && p.GetAccessors(nonPublic: true).Any(a => PublicSurface.IsVisible(a, b)))
                : b.GetMethods(flags).Any(m => m.Name == method.Name && PublicSurface.IsVisible(m, b) &&
                    m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameterTypes)))
                return true;
        }
        return false;
    }

    private string ReturnType(MethodInfo method)
    {
        var returned = method.ReturnParameter;
        var prefix = !method.ReturnType.IsByRef ? "" : returned.IsDefined(typeof(IsReadOnlyAttribute), false) ? "ref readonly " : "ref ";
        return prefix + Name(method.ReturnType, NullableFlags.Of(returned));
    }

    private string Parameters(MethodBase method)
    {
        var parameters = method.GetParameters();
        var isExtension = method.IsDefined(typeof(ExtensionAttribute), false);
        return string.Join(", ", parameters.Select((p, i) => (i == 0 && isExtension ? "this " : "") + Parameter(p)));
    }

    private string Parameter(ParameterInfo parameter)
    {
        var text = new StringBuilder(string.Concat(Attributes(parameter.CustomAttributes).Select(a => a + " ")));
        var type = parameter.ParameterType;
        if (parameter.IsDefined(typeof(ScopedRefAttribute), false)) text.Append("scoped ");
        if (parameter.IsDefined(typeof(ParamArrayAttribute), false) || parameter.IsDefined(typeof(ParamCollectionAttribute), false)) text.Append("params ");
        if (type.IsByRef)
        {
            text.Append(parameter.IsOut ? "out " :
                parameter.IsDefined(typeof(RequiresLocationAttribute), false) ? "ref readonly " :
                parameter.IsIn ? "in " : "ref ");
        }
        text.Append(Name(type, NullableFlags.Of(parameter))).Append(' ').Append(parameter.Name);
        if (parameter.HasDefaultValue) text.Append(" = ").Append(Literal(parameter.RawDefaultValue, type.IsByRef ? type.GetElementType()! : type));
        return text.ToString();
    }

    private string Literal(object? value, Type type) => value switch
    {
        null => type.IsValueType && Nullable.GetUnderlyingType(type) is null ? "default" : "null",
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        char c => $"'{c}'",
        bool b => b ? "true" : "false",
        _ when (Nullable.GetUnderlyingType(type) ?? type) is { IsEnum: true } e =>
            Enum.GetName(e, value) is { } name ? $"{Name(e)}.{name}" : $"({Name(e)}){Convert.ToString(value, CultureInfo.InvariantCulture)}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private IEnumerable<string> Attributes(IEnumerable<CustomAttributeData> attributes) =>
        attributes
            .Where(a => s_shownAttributes.Contains(a.AttributeType) || s_shownAttributeNamespaces.Contains(a.AttributeType.Namespace ?? ""))
            .Where(a => a.AttributeType.Name != "ExcludeFromCodeCoverageAttribute")
            // The compiler marks constructors of types with required members [Obsolete] for old compilers.
            .Where(a => a.AttributeType != typeof(ObsoleteAttribute) || !attributes.Any(b => b.AttributeType == typeof(CompilerFeatureRequiredAttribute)))
            .Select(a =>
            {
                var name = StripSuffix(Name(a.AttributeType), "Attribute");
                var arguments = a.ConstructorArguments.Select(c => Literal(c.Value, c.ArgumentType))
                    .Concat(a.NamedArguments.Select(n => $"{n.MemberName} = {Literal(n.TypedValue.Value, n.TypedValue.ArgumentType)}"))
                    .ToList();
                return arguments.Count > 0 ? $"[{name}({string.Join(", ", arguments)})]" : $"[{name}]";
            })
            .Order(StringComparer.Ordinal);

    // ---- type names ----

    /// <summary>A type as C# writes it in a signature, with the nullable annotations read from <paramref name="flags"/>.</summary>
    private string Name(Type type, NullableFlags? flags = null)
    {
        if (type.IsByRef || type.IsPointer)
            return Name(type.GetElementType()!, flags) + (type.IsPointer ? "*" : "");
        if (Nullable.GetUnderlyingType(type) is { } underlying)
            return Name(underlying, flags) + "?"; // flags: the type argument's only
        if (type.IsValueType && !type.IsGenericType && !type.IsGenericParameter)
            return s_keywords.TryGetValue(type, out var valueKeyword) ? valueKeyword : Plain(type, []); // no flag
        var nullable = flags?.NextIsAnnotated() == true && !type.IsValueType ? "?" : "";
        if (type.IsArray)
            return Name(type.GetElementType()!, flags) + "[" + new string(',', type.GetArrayRank() - 1) + "]" + nullable;
        if (type.IsGenericParameter) return type.Name + nullable;
        if (s_keywords.TryGetValue(type, out var keyword)) return keyword + nullable;

        var arguments = type.IsGenericTypeDefinition
            ? type.GetGenericArguments().Select(a => a.Name).ToList()
            : type.GetGenericArguments().Select(a => Name(a, flags)).ToList(); // in order, containing types' first
        if (type.IsValueType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
            return "(" + string.Join(", ", arguments) + ")";
        return Plain(type, arguments) + nullable;
    }

    /// <summary>Outer&lt;A&gt;.Inner&lt;B&gt;: each type in the chain takes its own share of <paramref name="arguments"/>.</summary>
    private string Plain(Type type, IReadOnlyList<string> arguments)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null; t = t.DeclaringType) chain.Insert(0, t);
        var parts = new List<string>();
        var used = 0;
        foreach (var t in chain)
        {
            var count = Math.Min(t.IsGenericType ? t.GetGenericArguments().Length - used : 0, arguments.Count - used);
            var part = StripArity(t.Name);
            if (count > 0) part += "<" + string.Join(", ", arguments.Skip(used).Take(count)) + ">";
            used += Math.Max(count, 0);
            parts.Add(part);
        }
        var ns = chain[0].Namespace;
        return (ns is null || _shortNamespaces.Contains(ns) ? "" : ns + ".") + string.Join(".", parts);
    }

    /// <summary>The generic parameters a nested type adds to those of the types around it.</summary>
    private Type[] OwnGenericArguments(Type type)
    {
        var all = type.GetGenericArguments();
        var inherited = type.DeclaringType?.GetGenericArguments().Length ?? 0;
        return all[inherited..];
    }

    private string StripArity(string name) => name.IndexOf('`') is var i and >= 0 ? name[..i] : name;

    private string StripSuffix(string name, string suffix) =>
        name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length] : name;
}
