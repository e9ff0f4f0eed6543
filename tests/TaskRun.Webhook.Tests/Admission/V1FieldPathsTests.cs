using TaskRun.Webhook.Admission;
using TaskRun.Webhook.Tests.Support;
using Xunit;

namespace TaskRun.Webhook.Tests.Admission;

public sealed class V1FieldPathsTests
{
    [Theory]
    [InlineData("spec.files", "spec.markdownFiles")]
    [InlineData("spec.files[2]", "spec.markdownFiles[2]")]
    [InlineData("spec.files[0].name", "spec.markdownFiles[0].filename")]
    [InlineData("spec.files[10].type", "spec.markdownFiles[10].fileType")]
    [InlineData("spec.files[1].content", "spec.markdownFiles[1].content")]
    [InlineData("spec.retry.attempt", "spec.retryAttempt")]
    [InlineData("spec.retry.maxRetries", "metadata.annotations[orchestrator.io/v2-spec].retry.maxRetries")]
    [InlineData("spec.timeoutSeconds", "metadata.annotations[orchestrator.io/v2-spec].timeoutSeconds")]
    [InlineData("spec.agent", "metadata.annotations[orchestrator.io/v2-spec].agent")]
    [InlineData("spec.agent.resources.limits.memory", "metadata.annotations[orchestrator.io/v2-spec].agent.resources.limits.memory")]
    [InlineData("spec.taskId", "spec.taskId")]
    [InlineData("spec.serviceName", "spec.serviceName")]
    [InlineData("spec.filesystem", "spec.filesystem")]
    [InlineData("metadata.annotations[orchestrator.io/v2-spec]", "metadata.annotations[orchestrator.io/v2-spec]")]
    public void Translates_v2_paths_to_the_v1_manifest(string v2, string v1)
    {
        Assert.Equal(v1, V1FieldPaths.Translate(v2));
    }

    [Theory]
    [InlineData("spec.files[0].type: not set; inferred \"task\"", "spec.markdownFiles[0].fileType: not set; inferred \"task\"")]
    [InlineData("spec.files[1].content: file \"a.md\" is 950 bytes", "spec.markdownFiles[1].content: file \"a.md\" is 950 bytes")]
    [InlineData("spec.files: the run's ConfigMap would be", "spec.markdownFiles: the run's ConfigMap would be")]
    [InlineData("a message without a field: nothing to do", "a message without a field: nothing to do")]
    public void Translates_the_field_a_warning_starts_with(string v2, string v1)
    {
        Assert.Equal(v1, V1FieldPaths.TranslateMessage(v2));
    }

    [Theory]
    [InlineData("file name \"task.md\" is already used by spec.files[0]; file names must be unique", "file name \"task.md\" is already used by spec.markdownFiles[0]; file names must be unique")]
    [InlineData("retry.attempt may not decrease (from 3 to 2); raise it above 3 to start a new run", "retryAttempt may not decrease (from 3 to 2); raise it above 3 to start a new run")]
    [InlineData("retry.attempt is 0; it must be 1 or more", "retryAttempt is 0; it must be 1 or more")]
    [InlineData("see spec.retry.attempt and spec.files[2].name", "see spec.retryAttempt and spec.markdownFiles[2].filename")]
    [InlineData("file name \"retry.attempt-spec.files[0].md\" is not allowed", "file name \"retry.attempt-spec.files[0].md\" is not allowed")]
    [InlineData("retry.maxRetries is 11", "retry.maxRetries is 11")]
    [InlineData("remove spec.files.", "remove spec.markdownFiles.")]
    public void Translates_v2_names_in_an_error_text_but_never_inside_quoted_user_values(string v2, string v1)
    {
        Assert.Equal(v1, V1FieldPaths.TranslateText(v2));
    }

    [Fact]
    public void A_v1_request_is_answered_with_v1_field_paths()
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["files"]![1]!["name"] = "task.md";
        taskRun["spec"]!["timeoutSeconds"] = 5;
        var request = Reviews.TaskRunRequest("CREATE", taskRun);
        request.RequestKind = new GroupVersionKind("orchestrator.io", "v1", "TaskRun");

        var status = new ValidatingHandler(new FixedConfig()).Admit(request).Response.Status!;

        Assert.Equal(["metadata.annotations[orchestrator.io/v2-spec].timeoutSeconds", "spec.markdownFiles[1].filename"],
            status.Details!.Causes!.Select(c => c.Field).Order(StringComparer.Ordinal));
        Assert.Contains("spec.markdownFiles[1].filename: ", status.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v2", "spec.agent.resources.limits.memory")]
    [InlineData("v1", "metadata.annotations[orchestrator.io/v2-spec].agent.resources.limits.memory")]
    public void An_unreadable_quantity_is_denied_naming_it_not_a_crash(string version, string field)
    {
        var taskRun = Reviews.MinimalTaskRun();
        taskRun["spec"]!["agent"] = Reviews.Parse("""{"resources":{"requests":{"cpu":"1"},"limits":{"memory":"lots"}}}""");
        var request = Reviews.TaskRunRequest("CREATE", taskRun);
        request.RequestKind = new GroupVersionKind("orchestrator.io", version, "TaskRun");

        foreach (IAdmissionHandler handler in new IAdmissionHandler[] { new MutatingHandler(), new ValidatingHandler(new FixedConfig()) })
        {
            var response = handler.Admit(request).Response;
            Assert.False(response.Allowed);
            Assert.Equal(422, response.Status!.Code);
            var cause = Assert.Single(response.Status.Details!.Causes!);
            Assert.Equal(field, cause.Field);
            Assert.Contains("\"lots\" is not a resource quantity", cause.Message, StringComparison.Ordinal);
        }
    }
}
