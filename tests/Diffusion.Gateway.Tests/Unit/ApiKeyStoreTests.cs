using Diffusion.Gateway.Options;
using Diffusion.Gateway.Security;

namespace Diffusion.Gateway.Tests.Unit;

public sealed class ApiKeyStoreTests
{
    [Fact]
    public void IsAuthorized_NoKeys_EveryoneAccepted()
    {
        var store = new ApiKeyStore([]);

        Assert.False(store.Enabled);
        Assert.True(store.IsAuthorized(null));
    }

    [Theory]
    [InlineData("Bearer alpha", true)]
    [InlineData("bearer beta", true)]
    [InlineData("BEARER   alpha  ", true)]
    [InlineData("Bearer alph", false)]
    [InlineData("Bearer alphaa", false)]
    [InlineData("Bearer ALPHA", false)]
    [InlineData("Token alpha", false)]
    [InlineData("alpha", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsAuthorized_Header_MatchesOnlyAnAcceptedKey(string? header, bool expected)
    {
        var store = new ApiKeyStore(["alpha", "beta"]);

        Assert.Equal(expected, store.IsAuthorized(header));
    }

    [Fact]
    public void Load_FileAndVariable_BothContribute()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["# comment", "file-key", "", "   "]);
            var options = new AuthOptions { ApiKeysFile = file, ApiKeysVariable = "KEYS" };

            var store = ApiKeyStore.Load(options, name => name == "KEYS" ? "env-1,env-2 env-3" : null);

            Assert.Equal(4, store.Count);
            Assert.True(store.IsAuthorized("Bearer file-key"));
            Assert.True(store.IsAuthorized("Bearer env-3"));
            Assert.False(store.IsAuthorized("Bearer # comment"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Load_MissingFile_FailsNamingTheKey()
    {
        var options = new AuthOptions { ApiKeysFile = "/nonexistent/keys.txt", ApiKeysVariable = "" };

        var error = Assert.Throws<InvalidOperationException>(() => ApiKeyStore.Load(options));

        Assert.StartsWith("Configuration Gateway:Auth:ApiKeysFile", error.Message, StringComparison.Ordinal);
    }
}
