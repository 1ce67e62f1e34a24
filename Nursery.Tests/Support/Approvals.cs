using System.Runtime.CompilerServices;

namespace Nursery.Tests.Support;

/// <summary>
/// A tiny approved-file helper (Verify is not available here): compares text with
/// <c>&lt;name&gt;.approved.txt</c> next to the calling test's source file. On a mismatch it writes
/// <c>&lt;name&gt;.received.txt</c> beside it for review; set NURSERY_APPROVE=1 to accept the received text.
/// </summary>
public static class Approvals
{
    public static void Verify(string actual, string name, [CallerFilePath] string testFile = "")
    {
        var folder = Path.GetDirectoryName(testFile)!;
        var approvedPath = Path.Combine(folder, $"{name}.approved.txt");
        var receivedPath = Path.Combine(folder, $"{name}.received.txt");
        var received = Normalize(actual);

        if (Environment.GetEnvironmentVariable("NURSERY_APPROVE") == "1")
        {
            File.WriteAllText(approvedPath, received);
            File.Delete(receivedPath);
            return;
        }
        if (!File.Exists(approvedPath))
        {
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"No approved file yet. Review {receivedPath} and rename it to {Path.GetFileName(approvedPath)} (or run with NURSERY_APPROVE=1).");
        }
        var approved = Normalize(File.ReadAllText(approvedPath));
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, received);
        Assert.Fail($"{Path.GetFileName(approvedPath)} does not match; see {receivedPath}.{Environment.NewLine}{FirstDifference(approved, received)}");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    private static string FirstDifference(string approved, string received)
    {
        var a = approved.Split('\n');
        var r = received.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, r.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end>";
            var right = i < r.Length ? r[i] : "<end>";
            if (left != right) return $"line {i + 1}:{Environment.NewLine}  approved: {left}{Environment.NewLine}  received: {right}";
        }
        return "";
    }
}
