using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TaskRun.Webhook.Hosting;
using Xunit;

namespace TaskRun.Webhook.Tests.Hosting;

public sealed class WebhookOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new WebhookOptionsValidator().Validate(null, new WebhookOptions()).Succeeded);
    }

    [Theory]
    [InlineData("--Webhook:TlsPort=70000", "Webhook:TlsPort")]
    [InlineData("--Webhook:HealthPort=9443", "must differ")]
    [InlineData("--Webhook:BindAddress=example.com", "Webhook:BindAddress")]
    [InlineData("--Webhook:CertDirectory=", "Webhook:CertDirectory")]
    [InlineData("--Webhook:CertPollInterval=00:00:00.001", "Webhook:CertPollInterval")]
    [InlineData("--Webhook:MaxAdmissionBodyBytes=10", "MaxAdmissionBodyBytes")]
    [InlineData("--Webhook:Kubeconfig=/does/not/exist", "does not exist")]
    [InlineData("--Webhook:OtlpEndpoint=collector:4317", "absolute URL")]
    public void A_bad_setting_stops_the_host_before_it_starts(string setting, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => WebhookHost.Build(["--Webhook:WatchConfig=false", setting]));
        Assert.Contains(error.Failures, f => f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Traces_are_exported_over_OTLP_only_when_an_endpoint_is_configured()
    {
        // With WatchConfig off no config is read: only the explicit setting (or the OTEL_* variables) exports.
        await using var without = WebhookHost.Build(["--Webhook:WatchConfig=false"]);
        Assert.Null(without.Services.GetRequiredService<TaskRun.Core.Observability.ProcessTracing>().Current);

        await using var with = WebhookHost.Build(["--Webhook:WatchConfig=false", "--Webhook:OtlpEndpoint=http://127.0.0.1:4317"]);
        Assert.Equal(new Uri("http://127.0.0.1:4317/v1/traces"), with.Services.GetRequiredService<TaskRun.Core.Observability.ProcessTracing>().Current?.Endpoint);
    }

    [Fact]
    public async Task The_program_reports_bad_settings_and_exits_with_2()
    {
        var exitCode = await WebhookHost.RunAsync(["--Webhook:TlsPort=-1"]);
        Assert.Equal(2, exitCode);
    }
}
