using System.Diagnostics;

namespace Nursery;

/// <summary>Finds where user code spawned a child, by walking the stack (only with <see cref="EventLoop.CaptureSpawnSites"/>).</summary>
internal static class SpawnSites
{
    /// <summary>The library's own assembly: its frames are skipped.</summary>
    private static readonly System.Reflection.Assembly s_library = typeof(SpawnSites).Assembly;

    /// <summary>"path:line" of the first frame outside the library, or "Type.Method" without a PDB; null if none.</summary>
    public static string? Caller()
    {
        var trace = new StackTrace(skipFrames: 1, fNeedFileInfo: true);
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            if (method is null || method.DeclaringType?.Assembly == s_library) continue;
            if (frame.GetFileName() is { Length: > 0 } file) return $"{file}:{frame.GetFileLineNumber()}";
            return $"{method.DeclaringType?.FullName}.{method.Name}";
        }
        return null;
    }
}
