using Nursery.Tests.Api.Sample;

namespace Nursery.Tests.Api;

public class PublicApiWriterTests
{
    [Fact]
    public void Write_OnASampleWithEveryKindOfDeclaration_WritesEachTheWayCSharpDeclaresIt()
    {
        // The approved listing was checked by hand against ApiSample.cs: modifiers, nullability (T vs T?, class?,
        // notnull), ref/in/out/params, defaults, operators, indexers, events, nested and record types.
        var types = PublicSurface.Types(typeof(ApiSample).Assembly).Where(t => t.Namespace == typeof(ApiSample).Namespace);
        Approvals.Verify(PublicApiWriter.Write("sample", types), "ApiSample");
    }

    [Fact]
    public void Write_OfTheSameAssembly_IsTheSameTextEveryTime()
    {
        Assert.Equal(PublicApiWriter.Write(typeof(EventLoop).Assembly), PublicApiWriter.Write(typeof(EventLoop).Assembly));
    }
}
