using System.Diagnostics;
using System.Text.Json;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// One measurement of a console mode, printed as a "RESULT {json}" line. The Python and Node peers print the same
/// fields, so compare.sh can put every runtime in one table.
/// </summary>
public sealed class Result(string shape, string impl, int n)
{
    private readonly Dictionary<string, object?> _fields = new()
    {
        ["runtime"] = "dotnet " + Environment.Version,
        ["shape"] = shape,
        ["impl"] = impl,
        ["n"] = n,
    };

    public Result Set(string name, object? value)
    {
        _fields[name] = value is double d ? Math.Round(d, 2) : value;
        return this;
    }

    /// <summary>Adds the process's peak working set (Process.PeakWorkingSet64, the kernel's VmHWM on Linux) and prints.</summary>
    public void Print()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        Set("peak_mib", process.PeakWorkingSet64 / (1024.0 * 1024.0));
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(_fields));
    }
}
