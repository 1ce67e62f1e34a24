using System.Runtime.CompilerServices;

namespace Nursery.Tests.Support;

/// <summary>
/// A tiny approved-file helper (Verify is not available here): compares text with
/// <c>&lt;name&gt;.approved.txt</c> next to the calling test's source file. On a mismatch it writes
/// <c>&lt;name&gt;.received.txt</c> beside it for review; set NURSERY_APPROVE=1 to accept the received text.
/// </summary>
public static class Approvals
{
    public static void Verify(string actual, string name, [CallerFilePath] string testFile = "") =>
        VerifyFile(actual, Path.Combine(Path.GetDirectoryName(testFile)!, $"{name}.approved.txt"));

    /// <summary>
    /// Same as <see cref="Verify"/> for an approved file somewhere else than next to the test: the public API
    /// listing lives at the repository root (api/Nursery.approved.txt), where reviewers look for it, rather than
    /// among the tests. The received file goes beside it (<c>x.approved.txt</c> → <c>x.received.txt</c>).
    /// </summary>
    public static void VerifyFile(string actual, string approvedPath)
    {
        if (!approvedPath.EndsWith(".approved.txt", StringComparison.Ordinal))
            throw new ArgumentException("An approved file's name ends in .approved.txt.", nameof(approvedPath));
        var receivedPath = approvedPath[..^".approved.txt".Length] + ".received.txt";
        var received = Normalize(actual);
        Directory.CreateDirectory(Path.GetDirectoryName(approvedPath)!);

        if (Environment.GetEnvironmentVariable("NURSERY_APPROVE") == "1")
        {
            File.WriteAllText(approvedPath, received);
            File.Delete(receivedPath);
            return;
        }
        if (!File.Exists(approvedPath))
        {
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"No approved file yet. Review {receivedPath}, then accept it:{Environment.NewLine}{HowToAccept(receivedPath, approvedPath)}");
        }
        var approved = Normalize(File.ReadAllText(approvedPath));
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, received);
        Assert.Fail($"{Path.GetFileName(approvedPath)} does not match; see {receivedPath}.{Environment.NewLine}" +
            $"{FirstDifference(approved, received)}{Environment.NewLine}If the change is intended, accept it:{Environment.NewLine}{HowToAccept(receivedPath, approvedPath)}");
    }

    /// <summary>The folder that holds Nursery.sln (where api/ lives), found from this source file's path.</summary>
    public static string RepositoryRoot([CallerFilePath] string thisFile = "")
    {
        for (var dir = Path.GetDirectoryName(thisFile); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Nursery.sln"))) return dir;
        }
        throw new InvalidOperationException($"No Nursery.sln above {thisFile}.");
    }

    /// <summary>The one command that accepts the received text, ready to paste.</summary>
    private static string HowToAccept(string receivedPath, string approvedPath) =>
        $"  cp '{receivedPath}' '{approvedPath}'{Environment.NewLine}  (or run the tests again with NURSERY_APPROVE=1, which accepts every mismatch at once)";

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
