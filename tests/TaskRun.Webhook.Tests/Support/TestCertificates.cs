using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TaskRun.Webhook.Tests.Support;

/// <summary>A test CA that issues serving certificates for 127.0.0.1/localhost, written as cert-manager mounts them.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates(string commonName = "test-ca")
    {
        var request = new CertificateRequest($"CN={commonName}", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A new serving certificate and key as PEM texts.</summary>
    public (string CertificatePem, string KeyPem, X509Certificate2 Certificate) Issue(string commonName = "taskrun-webhook")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var certificate = request.Create(Ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30), serial);
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), certificate);
    }

    /// <summary>Writes a new serving pair into <paramref name="directory"/> (key first, each by rename) and returns the certificate.</summary>
    public X509Certificate2 WriteServingPair(string directory)
    {
        var (certificatePem, keyPem, certificate) = Issue();
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, "tls.key"), keyPem);
        WriteAtomically(Path.Combine(directory, "tls.crt"), certificatePem);
        return certificate;
    }

    public static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..6];
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        Ca.Dispose();
        caKey.Dispose();
    }
}
