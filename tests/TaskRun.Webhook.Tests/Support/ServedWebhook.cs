namespace TaskRun.Webhook.Tests.Support;

/// <summary>
/// The real webhook host on loopback, serving a fresh certificate from a test CA, with a keep-alive client that
/// trusts that CA. Disposing stops the host and removes the certificate files.
/// </summary>
internal sealed class ServedWebhook : IAsyncDisposable
{
    private readonly TempDirectory directory;

    private ServedWebhook(TempDirectory directory, TestCertificates certificates, InProcessWebhook host)
    {
        this.directory = directory;
        Certificates = certificates;
        Host = host;
        Client = InProcessWebhook.CreateClient(certificates.Ca);
    }

    public TestCertificates Certificates { get; }

    public InProcessWebhook Host { get; }

    public HttpClient Client { get; }

    /// <param name="settings">Extra settings, e.g. <c>--Webhook:TlsHandshakeTimeout=00:00:02</c>.</param>
    public static async Task<ServedWebhook> StartAsync(IEnumerable<string>? settings = null)
    {
        var directory = new TempDirectory();
        var certificates = new TestCertificates();
        certificates.WriteServingPair(directory.Path);
        return new ServedWebhook(directory, certificates, await InProcessWebhook.StartAsync(directory.Path, settings));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Certificates.Dispose();
        directory.Dispose();
    }
}
