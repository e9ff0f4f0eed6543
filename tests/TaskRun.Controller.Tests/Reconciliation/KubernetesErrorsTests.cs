using System.Net;
using k8s.Autorest;
using TaskRun.Controller.Reconciliation;
using Xunit;

namespace TaskRun.Controller.Tests.Reconciliation;

/// <summary>What a user reads about a failed API call in an Event: the status, never the body the API server sent.</summary>
public sealed class KubernetesErrorsTests
{
    [Fact]
    public void An_API_error_is_described_by_its_status_without_its_body()
    {
        const string body = """{"kind":"Status","message":"Job.batch \"squat-run-7\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{Env: FOREIGN_TOKEN=FOREIGN-SECRET-VALUE}","code":422}""";
        using var response = new HttpResponseMessage(HttpStatusCode.UnprocessableEntity);
        var error = new HttpOperationException("Operation returned an invalid status code 'UnprocessableEntity', response body " + body)
        {
            Response = new HttpResponseMessageWrapper(response, body),
        };

        var described = KubernetesErrors.Describe(error);

        Assert.Equal("the API server answered 422 UnprocessableEntity; the controller's log has details", described);
        Assert.DoesNotContain("FOREIGN", described, StringComparison.Ordinal);
    }

    [Fact]
    public void The_controllers_own_messages_pass_as_they_are() =>
        Assert.Equal("TaskRun a/b changed while its run 2 was starting; starting again",
            KubernetesErrors.Describe(new InvalidOperationException("TaskRun a/b changed while its run 2 was starting; starting again")));
}
