using System.Reflection;

// Dispatcher: `dotnet DocsCheck.dll <snippet-id>` runs one generated snippet.
var id = args[0];
var type = Type.GetType($"DocsCheck.{id}.Snippet") ?? throw new ArgumentException($"no snippet {id}");
var mode = (string)type.GetField("Mode")!.GetValue(null)!;
try
{
    if (mode == "facts")
    {
        foreach (var t in type.Assembly.GetTypes().Where(t => t.Namespace == $"DocsCheck.{id}"))
        foreach (var m in t.GetMethods().Where(m => m.GetCustomAttributes().Any(a => a.GetType().Name == "FactAttribute")))
        {
            var instance = m.IsStatic ? null : Activator.CreateInstance(t);
            var r = m.Invoke(instance, null);
            if (r is Task task) task.GetAwaiter().GetResult();
            Console.WriteLine($"fact passed: {t.Name}.{m.Name}");
        }
    }
    else
    {
        type.GetMethod("Run")!.Invoke(null, null);
    }
}
catch (TargetInvocationException e) when (e.InnerException is { } inner)
{
    Console.WriteLine($"Unhandled exception. {inner.GetType().FullName}: {inner.Message}");
    return 1;
}
return 0;
