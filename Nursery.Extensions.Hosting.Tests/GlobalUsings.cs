global using Nursery.Extensions.Hosting.Tests.Support;
global using Nursery.Tests.Support;
global using Xunit;
