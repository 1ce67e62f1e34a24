// Nursery build script (Cake 7, a local tool: `dotnet tool restore` then `dotnet cake --target=<Name>`).
//   Build  - compile everything in Release with warnings as errors
//   Test   - run the unit tests and the conformance suite (default)
//   Pack   - produce Nursery.<version>.nupkg and .snupkg in artifacts/packages
//   ConsumerTest - pack into a temp feed and build and run a fresh console app and worker app against the packages
//   Bench  - run the BenchmarkDotNet suite (pass --bench-filter='*Spawn*' to narrow it)
//   Coverage - run the unit tests with coverlet and print line and branch coverage per folder and file
//              (report in artifacts/coverage)
//   Docs   - build the API reference site (docfx: docs/ plus the XML docs) into artifacts/docs; warnings are errors
//   Mutate - mutation testing with dotnet-stryker (stryker-config.json: a few core files, stress tests filtered out);
//            report in artifacts/mutation. Slow (~10-15 min per file on 2 cores): not part of CI. Narrow or widen it
//            with --mutate='**/Loop/TimerHeap.cs;**/Loop/WorkQueue.cs', or test only files changed since a commit
//            with --since=main. See docs/testing.md.
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var benchFilter = Argument("bench-filter", "*");
var mutate = Argument("mutate", "");
var since = Argument("since", "");
var root = MakeAbsolute(Directory("."));
var artifacts = root.Combine("artifacts");

Task("Build")
    .Does(() =>
{
    DotNetBuild(root.CombineWithFilePath("Nursery.sln").FullPath, new DotNetBuildSettings
    {
        Configuration = configuration,
    });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetTest(root.CombineWithFilePath("Nursery.sln").FullPath, new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
    });
    var conformance = root.Combine("../shared/conformance").CombineWithFilePath("run.sh");
    if (FileExists(conformance))
    {
        var exit = StartProcess("bash", new ProcessSettings
        {
            Arguments = $"\"{conformance.FullPath}\" Nursery/Nursery.csproj",
            WorkingDirectory = root,
        });
        if (exit != 0) throw new Exception("The conformance suite failed.");
    }
    else
    {
        Warning("No ../shared/conformance beside the repository: conformance suite skipped.");
    }
});

Task("Pack")
    .Does(() =>
{
    // Both packages, always with the same version (MinVer reads the same tags for both).
    foreach (var project in new[] { "Nursery/Nursery.csproj", "Nursery.Extensions.Hosting/Nursery.Extensions.Hosting.csproj" })
    {
        DotNetPack(root.CombineWithFilePath(project).FullPath, new DotNetPackSettings
        {
            Configuration = configuration,
            OutputDirectory = artifacts.Combine("packages"),
        });
    }
});

Task("ConsumerTest")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings
    {
        Arguments = $"\"{root.CombineWithFilePath(".ci/consumer-test.sh").FullPath}\"",
        WorkingDirectory = root,
    });
    if (exit != 0) throw new Exception("The consumer test failed.");
});

Task("Coverage")
    .Does(() =>
{
    var results = artifacts.Combine("coverage");
    CleanDirectory(results);
    DotNetTest(root.CombineWithFilePath("Nursery.sln").FullPath, new DotNetTestSettings
    {
        // Debug, as CI's `dotnet test`, so the numbers compare (Release merges lines and branches away).
        Configuration = "Debug",
        Collectors = new[] { "XPlat Code Coverage" },
        ResultsDirectory = results,
    });
    var exit = StartProcess("python3", new ProcessSettings
    {
        Arguments = $"tools/Coverage/summary.py \"{results.FullPath}\" --by-file",
        WorkingDirectory = root,
    });
    if (exit != 0) throw new Exception("No coverage summary: see above.");
});

Task("Docs")
    .IsDependentOn("Build") // docfx reads the API from the Release build's Nursery.dll and Nursery.xml
    .Does(() =>
{
    CleanDirectories(new[] { artifacts.Combine("docs").FullPath, artifacts.Combine("docfx").FullPath });
    var exit = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = "docfx docfx.json --warningsAsErrors",
        WorkingDirectory = root,
    });
    if (exit != 0) throw new Exception("The API reference site has warnings (broken links, unresolved references): see above.");
    Information($"Site in {artifacts.Combine("docs")}; preview it with: dotnet docfx serve artifacts/docs");
});

Task("Mutate")
    .Does(() =>
{
    // Run from the test project: the repository root holds a solution, and Stryker then refuses a test project.
    var args = new ProcessArgumentBuilder()
        .Append("stryker")
        .Append("--config-file").AppendQuoted(root.CombineWithFilePath("stryker-config.json").FullPath)
        .Append("--output").AppendQuoted(artifacts.Combine("mutation").FullPath);
    foreach (var pattern in mutate.Split(';', StringSplitOptions.RemoveEmptyEntries)) args.Append("--mutate").AppendQuoted(pattern);
    if (since != "") args.Append($"--since:{since}");
    var exit = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = args,
        WorkingDirectory = root.Combine("Nursery.Tests"),
    });
    if (exit != 0) throw new Exception("Stryker failed: see above.");
    Information($"Report: {artifacts.Combine("mutation/reports/mutation-report.html")}");
});

Task("Bench")
    .Does(() =>
{
    DotNetRun(root.CombineWithFilePath("Nursery.Benchmarks/Nursery.Benchmarks.csproj").FullPath, new DotNetRunSettings
    {
        Configuration = "Release",
        ArgumentCustomization = args => args.Append("--").Append("--filter").AppendQuoted(benchFilter),
    });
});

RunTarget(target);
