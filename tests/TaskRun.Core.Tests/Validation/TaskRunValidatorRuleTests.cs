using k8s.Models;
using TaskRun.Core.Api;
using TaskRun.Core.Tests.Support;
using TaskRun.Core.Validation;
using Xunit;

namespace TaskRun.Core.Tests.Validation;

/// <summary>
/// One row per validation rule: a valid TaskRun broken in exactly one way yields exactly one
/// error, on the right field, whose message says what is wrong, the limit, and what to do.
/// </summary>
public sealed class TaskRunValidatorRuleTests
{
    private sealed record Rejection(Action<V2TaskRun> Break, string Field, FieldErrorType Type, string[] MessageFragments);

    private const string FileNameRule = "end in \".md\"";
    private const string ServiceNameRule = "use only lower-case letters, digits and '-'";

    private static readonly Dictionary<string, Rejection> Rejections = new()
    {
        // spec.taskId
        ["taskId missing"] = new(t => t.Spec.TaskId = null, "spec.taskId", FieldErrorType.Required, ["required", "1 or more"]),
        ["taskId 0"] = new(t => t.Spec.TaskId = 0, "spec.taskId", FieldErrorType.Invalid, ["taskId is 0", "1 or more"]),
        ["taskId negative"] = new(t => t.Spec.TaskId = -1001, "spec.taskId", FieldErrorType.Invalid, ["-1001", "1 or more"]),
        ["taskId long.MinValue"] = new(t => t.Spec.TaskId = long.MinValue, "spec.taskId", FieldErrorType.Invalid, ["1 or more"]),

        // spec.serviceName: it names a directory, a PVC and a label, and reaches the init container's environment
        ["serviceName missing"] = new(t => t.Spec.ServiceName = null, "spec.serviceName", FieldErrorType.Required, ["required", "auth-service"]),
        ["serviceName empty"] = new(t => t.Spec.ServiceName = "", "spec.serviceName", FieldErrorType.Required, ["required", "DNS-1123"]),
        ["serviceName with ; and a shell command"] = new(t => t.Spec.ServiceName = "a;rm -rf /", "spec.serviceName", FieldErrorType.Invalid, ["\"a;rm -rf /\"", "DNS-1123", ServiceNameRule]),
        ["serviceName with $(command substitution)"] = new(t => t.Spec.ServiceName = "$(id)", "spec.serviceName", FieldErrorType.Invalid, ["\"$(id)\"", ServiceNameRule]),
        ["serviceName with `backticks`"] = new(t => t.Spec.ServiceName = "`id`", "spec.serviceName", FieldErrorType.Invalid, ["\"`id`\"", ServiceNameRule]),
        ["serviceName with a space"] = new(t => t.Spec.ServiceName = "auth service", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName with a pipe and redirect"] = new(t => t.Spec.ServiceName = "a|cat>/etc/x", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName with a newline inside"] = new(t => t.Spec.ServiceName = "auth\nservice", "spec.serviceName", FieldErrorType.Invalid, ["auth?service", ServiceNameRule]),
        ["serviceName with a trailing newline"] = new(t => t.Spec.ServiceName = "auth-service\n", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName upper case"] = new(t => t.Spec.ServiceName = "Auth-Service", "spec.serviceName", FieldErrorType.Invalid, ["\"Auth-Service\"", ServiceNameRule]),
        ["serviceName with underscore"] = new(t => t.Spec.ServiceName = "auth_service", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName with a dot"] = new(t => t.Spec.ServiceName = "auth.service", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName starting with '-'"] = new(t => t.Spec.ServiceName = "-auth", "spec.serviceName", FieldErrorType.Invalid, ["starting and ending with a letter or digit"]),
        ["serviceName ending with '-'"] = new(t => t.Spec.ServiceName = "auth-", "spec.serviceName", FieldErrorType.Invalid, ["starting and ending with a letter or digit"]),
        ["serviceName non-ASCII"] = new(t => t.Spec.ServiceName = "authé", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName path traversal"] = new(t => t.Spec.ServiceName = "../etc", "spec.serviceName", FieldErrorType.Invalid, [ServiceNameRule]),
        ["serviceName 64 characters"] = new(t => t.Spec.ServiceName = new string('a', 64), "spec.serviceName", FieldErrorType.TooLong, ["64 characters", "limit is 63", "use a shorter name"]),

        // spec.priority
        ["priority not in the enum"] = new(t => t.Spec.Priority = "urgent", "spec.priority", FieldErrorType.NotSupported, ["\"urgent\"", "low, medium, high, critical"]),
        ["priority in the wrong case"] = new(t => t.Spec.Priority = "High", "spec.priority", FieldErrorType.NotSupported, ["low, medium, high, critical"]),
        ["priority empty"] = new(t => t.Spec.Priority = "", "spec.priority", FieldErrorType.NotSupported, ["low, medium, high, critical"]),

        // metadata
        ["reserved v2-spec annotation"] = new(
            t => t.Metadata.Annotations = new Dictionary<string, string> { [TaskRunApi.V2SpecAnnotation] = "{}" },
            "metadata.annotations[orchestrator.io/v2-spec]", FieldErrorType.Forbidden, ["reserved", "remove it"]),

        // spec.files: presence
        ["files missing"] = new(t => t.Spec.Files = null, "spec.files", FieldErrorType.Required, ["at least one", "task.md"]),
        ["files empty"] = new(t => t.Spec.Files = [], "spec.files", FieldErrorType.Required, ["at least one"]),
        ["file entry null"] = new(t => t.Spec.Files![1] = null!, "spec.files[1]", FieldErrorType.Required, ["name and content"]),
        ["file name missing"] = new(t => t.Spec.Files![1].Name = null, "spec.files[1].name", FieldErrorType.Required, ["required", FileNameRule]),
        ["file name empty"] = new(t => t.Spec.Files![1].Name = "", "spec.files[1].name", FieldErrorType.Required, ["required"]),
        ["file content missing"] = new(t => t.Spec.Files![2].Content = null, "spec.files[2].content", FieldErrorType.Required, ["content is required"]),

        // spec.files[].name: it becomes a path in the workspace and a ConfigMap key
        ["file name with '/'"] = new(t => t.Spec.Files![1].Name = "docs/design.md", "spec.files[1].name", FieldErrorType.Invalid, ["\"docs/design.md\"", "no '/'", FileNameRule]),
        ["file name absolute path"] = new(t => t.Spec.Files![1].Name = "/etc/passwd.md", "spec.files[1].name", FieldErrorType.Invalid, ["no '/'"]),
        ["file name with '..' as a path"] = new(t => t.Spec.Files![1].Name = "../escape.md", "spec.files[1].name", FieldErrorType.Invalid, ["'..'"]),
        ["file name with '..' inside"] = new(t => t.Spec.Files![1].Name = "a..b.md", "spec.files[1].name", FieldErrorType.Invalid, ["'..'"]),
        ["file name ending in '..md'"] = new(t => t.Spec.Files![1].Name = "notes..md", "spec.files[1].name", FieldErrorType.Invalid, ["'..'"]),
        ["file name with a leading dot"] = new(t => t.Spec.Files![1].Name = ".hidden.md", "spec.files[1].name", FieldErrorType.Invalid, ["start with a letter or digit"]),
        ["file name that is only '.md'"] = new(t => t.Spec.Files![1].Name = ".md", "spec.files[1].name", FieldErrorType.Invalid, ["start with a letter or digit"]),
        ["file name with a leading dash"] = new(t => t.Spec.Files![1].Name = "-rf.md", "spec.files[1].name", FieldErrorType.Invalid, ["start with a letter or digit"]),
        ["file name not ending in .md"] = new(t => t.Spec.Files![1].Name = "design.txt", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name ending in .MD"] = new(t => t.Spec.Files![1].Name = "design.MD", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name without extension"] = new(t => t.Spec.Files![1].Name = "design", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name with .md in the middle"] = new(t => t.Spec.Files![1].Name = "design.md.sh", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name with a trailing newline"] = new(t => t.Spec.Files![1].Name = "design.md\n", "spec.files[1].name", FieldErrorType.Invalid, ["\"design.md?\"", FileNameRule]),
        ["file name with a space"] = new(t => t.Spec.Files![1].Name = "design spec.md", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name with a backslash"] = new(t => t.Spec.Files![1].Name = "..\\design.md", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name with shell metacharacters"] = new(t => t.Spec.Files![1].Name = "$(id).md", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name non-ASCII"] = new(t => t.Spec.Files![1].Name = "désign.md", "spec.files[1].name", FieldErrorType.Invalid, [FileNameRule]),
        ["file name 254 characters"] = new(t => t.Spec.Files![1].Name = new string('a', 251) + ".md", "spec.files[1].name", FieldErrorType.TooLong, ["254 characters", "limit is 253", "use a shorter name"]),

        // reserved names: generated for every run
        ["file named CLAUDE.md"] = new(t => t.Spec.Files![1].Name = "CLAUDE.md", "spec.files[1].name", FieldErrorType.Forbidden, ["\"CLAUDE.md\" is reserved", "rename the file"]),
        ["file named claude.md"] = new(t => t.Spec.Files![1].Name = "claude.md", "spec.files[1].name", FieldErrorType.Forbidden, ["reserved", "rename the file"]),
        ["file named Claude.Md"] = new(t => t.Spec.Files![1].Name = "Claude.Md", "spec.files[1].name", FieldErrorType.Forbidden, ["reserved"]),
        ["file named metadata.yaml"] = new(t => t.Spec.Files![1].Name = "metadata.yaml", "spec.files[1].name", FieldErrorType.Forbidden, ["\"metadata.yaml\" is reserved", "rename the file"]),
        ["file named METADATA.YAML"] = new(t => t.Spec.Files![1].Name = "METADATA.YAML", "spec.files[1].name", FieldErrorType.Forbidden, ["reserved"]),
        ["file named Metadata.Yaml"] = new(t => t.Spec.Files![1].Name = "Metadata.Yaml", "spec.files[1].name", FieldErrorType.Forbidden, ["reserved"]),

        // unique names
        ["duplicate file name"] = new(t => t.Spec.Files![2].Name = "task.md", "spec.files[2].name", FieldErrorType.Duplicate, ["\"task.md\"", "spec.files[0]", "must be unique"]),

        // spec.files[].type
        ["file type not in the enum"] = new(t => t.Spec.Files![0].Type = "readme", "spec.files[0].type", FieldErrorType.NotSupported, ["\"readme\"", "task, design-spec, prompt, context, acceptance-criteria", "leave it out"]),
        ["file type in the wrong case"] = new(t => t.Spec.Files![0].Type = "Task", "spec.files[0].type", FieldErrorType.NotSupported, ["task, design-spec"]),
        ["file type with v1 spelling"] = new(t => t.Spec.Files![1].Type = "design_spec", "spec.files[1].type", FieldErrorType.NotSupported, ["design-spec"]),

        // spec.retry and spec.timeoutSeconds, at each edge
        ["retry.attempt 0"] = new(t => t.Spec.Retry!.Attempt = 0, "spec.retry.attempt", FieldErrorType.Invalid, ["retry.attempt is 0", "between 1 and 1000000"]),
        ["retry.attempt negative"] = new(t => t.Spec.Retry!.Attempt = -3, "spec.retry.attempt", FieldErrorType.Invalid, ["-3", "between 1 and 1000000"]),
        ["retry.attempt int.MaxValue"] = new(t => t.Spec.Retry!.Attempt = int.MaxValue, "spec.retry.attempt", FieldErrorType.Invalid, ["2147483647", "between 1 and 1000000"]),
        ["retry.attempt 1000001"] = new(t => t.Spec.Retry!.Attempt = 1_000_001, "spec.retry.attempt", FieldErrorType.Invalid, ["between 1 and 1000000"]),
        ["retry.maxRetries -1"] = new(t => t.Spec.Retry!.MaxRetries = -1, "spec.retry.maxRetries", FieldErrorType.Invalid, ["is -1", "between 0 and 10", "left out to use the config's default"]),
        ["retry.maxRetries 11"] = new(t => t.Spec.Retry!.MaxRetries = 11, "spec.retry.maxRetries", FieldErrorType.Invalid, ["is 11", "between 0 and 10"]),
        ["retry.maxRetries int.MaxValue"] = new(t => t.Spec.Retry!.MaxRetries = int.MaxValue, "spec.retry.maxRetries", FieldErrorType.Invalid, ["between 0 and 10"]),
        ["timeoutSeconds 59"] = new(t => t.Spec.TimeoutSeconds = 59, "spec.timeoutSeconds", FieldErrorType.Invalid, ["is 59", "between 60", "604800", "left out"]),
        ["timeoutSeconds 604801"] = new(t => t.Spec.TimeoutSeconds = 604_801, "spec.timeoutSeconds", FieldErrorType.Invalid, ["is 604801", "between 60", "604800"]),
        ["timeoutSeconds 0"] = new(t => t.Spec.TimeoutSeconds = 0, "spec.timeoutSeconds", FieldErrorType.Invalid, ["between 60"]),
        ["timeoutSeconds negative"] = new(t => t.Spec.TimeoutSeconds = -60, "spec.timeoutSeconds", FieldErrorType.Invalid, ["between 60"]),

        // spec.agent (overrides allowed by the default policy)
        ["agent maxTurns 0"] = new(t => t.Spec.Agent = new AgentOverride { MaxTurns = 0 }, "spec.agent.maxTurns", FieldErrorType.Invalid, ["is 0", "between 1 and 10000"]),
        ["agent maxTurns 10001"] = new(t => t.Spec.Agent = new AgentOverride { MaxTurns = 10_001 }, "spec.agent.maxTurns", FieldErrorType.Invalid, ["between 1 and 10000"]),
        ["agent image empty"] = new(t => t.Spec.Agent = new AgentOverride { Image = "" }, "spec.agent.image", FieldErrorType.Invalid, ["not an OCI image reference", "ghcr.io/org/agent:1.2"]),
        ["agent image with a space"] = new(t => t.Spec.Agent = new AgentOverride { Image = "ghcr.io/a b:1" }, "spec.agent.image", FieldErrorType.Invalid, ["\"ghcr.io/a b:1\"", "not an OCI image reference"]),
        ["agent image with a newline"] = new(t => t.Spec.Agent = new AgentOverride { Image = "ghcr.io/a\n" }, "spec.agent.image", FieldErrorType.Invalid, ["not an OCI image reference"]),
        ["agent image a shell substitution"] = new(t => t.Spec.Agent = new AgentOverride { Image = "$(id)" }, "spec.agent.image", FieldErrorType.Invalid, ["not an OCI image reference"]),
        ["agent image not allowed"] = new(t => t.Spec.Agent = new AgentOverride { Image = "attacker.example/exfil" }, "spec.agent.image", FieldErrorType.Forbidden,
            ["\"attacker.example/exfil\" is not allowed", "agent.allowedImages: [ghcr.io/5dlabs/platform/claude-code:*, registry.local/agent@*]"]),
        ["agent image sharing an allowed prefix but not its separator"] = new(t => t.Spec.Agent = new AgentOverride { Image = "ghcr.io/5dlabs/platform/claude-code-evil:1" }, "spec.agent.image", FieldErrorType.Forbidden, ["is not allowed"]),
        ["agent extended resource not listed"] = new(
            t => t.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new("8") } } },
            "spec.agent.resources.limits.nvidia.com/gpu", FieldErrorType.Forbidden, ["may not be set", "agent.maxResources lists only [cpu, memory]"]),
        ["agent cpu above the maximum"] = new(
            t => t.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1000") } } },
            "spec.agent.resources.limits.cpu", FieldErrorType.Invalid, ["above agent.maxResources.cpu (4)"]),
        ["agent memory far above the maximum"] = new(
            t => t.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("10Ti") } } },
            "spec.agent.resources.limits.memory", FieldErrorType.Invalid, ["above agent.maxResources.memory (16Gi)"]),
        ["agent request above the config's limit"] = new(
            t => t.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("3") } } },
            "spec.agent.resources.requests.cpu", FieldErrorType.Invalid, ["above its limit 2"]),
        ["agent resource quantity null"] = new(
            t => t.Spec.Agent = new AgentOverride { Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = null! } } },
            "spec.agent.resources.limits.memory", FieldErrorType.Invalid, ["not a resource quantity", "\"500m\""]),

        // spec.dependsOn
        ["dependsOn 33 TaskRuns"] = new(t => t.Spec.DependsOn = [.. Enumerable.Range(0, 33).Select(i => $"dep-{i}")], "spec.dependsOn", FieldErrorType.TooLong, ["33 TaskRuns", "limit is 32"]),
        ["dependsOn itself"] = new(t => t.Spec.DependsOn = ["build", TaskRuns.Name], "spec.dependsOn[1]", FieldErrorType.Invalid, ["cannot depend on itself", TaskRuns.Name]),
        ["dependsOn a duplicate"] = new(t => t.Spec.DependsOn = ["build", "test", "build"], "spec.dependsOn[2]", FieldErrorType.Duplicate, ["\"build\"", "spec.dependsOn[0]", "once"]),
        ["dependsOn an empty name"] = new(t => t.Spec.DependsOn = [""], "spec.dependsOn[0]", FieldErrorType.Invalid, ["not a TaskRun name", "same namespace"]),
        ["dependsOn a name with '/'"] = new(t => t.Spec.DependsOn = ["other-ns/build"], "spec.dependsOn[0]", FieldErrorType.Invalid, ["\"other-ns/build\"", "not a TaskRun name"]),
        ["dependsOn an upper-case name"] = new(t => t.Spec.DependsOn = ["Build"], "spec.dependsOn[0]", FieldErrorType.Invalid, ["not a TaskRun name"]),
        ["dependsOn a name over 253 characters"] = new(t => t.Spec.DependsOn = [new string('a', 254)], "spec.dependsOn[0]", FieldErrorType.Invalid, ["at most 253"]),
    };

    public static TheoryData<string> RejectionNames => new(Rejections.Keys);

    [Theory]
    [MemberData(nameof(RejectionNames))]
    public void A_single_broken_rule_yields_exactly_its_error(string caseName)
    {
        var rejection = Rejections[caseName];
        var taskRun = TaskRuns.Valid();
        rejection.Break(taskRun);

        var result = TaskRunValidator.ValidateCreate(taskRun, TaskRuns.OverridesAllowed);

        ValidationAssert.SingleError(result, rejection.Field, rejection.Type, rejection.MessageFragments);
    }

    private static readonly Dictionary<string, Action<V2TaskRun>> Acceptances = new()
    {
        ["the seed's example"] = _ => { },
        ["taskId 1"] = t => t.Spec.TaskId = 1,
        ["taskId long.MaxValue"] = t => t.Spec.TaskId = long.MaxValue,
        ["serviceName one character"] = t => t.Spec.ServiceName = "a",
        ["serviceName one digit"] = t => t.Spec.ServiceName = "7",
        ["serviceName starting with a digit"] = t => t.Spec.ServiceName = "1auth",
        ["serviceName 63 characters"] = t => t.Spec.ServiceName = new string('a', 62) + "1",
        ["serviceName with several dashes"] = t => t.Spec.ServiceName = "a--b-c",
        ["priority low"] = t => t.Spec.Priority = Priorities.Low,
        ["priority medium"] = t => t.Spec.Priority = Priorities.Medium,
        ["priority high"] = t => t.Spec.Priority = Priorities.High,
        ["priority critical"] = t => t.Spec.Priority = Priorities.Critical,
        ["priority absent (not yet defaulted)"] = t => t.Spec.Priority = null,
        ["file type task"] = t => t.Spec.Files![2].Type = FileTypes.Task,
        ["file type design-spec"] = t => t.Spec.Files![2].Type = FileTypes.DesignSpec,
        ["file type prompt"] = t => t.Spec.Files![2].Type = FileTypes.Prompt,
        ["file type context"] = t => t.Spec.Files![2].Type = FileTypes.Context,
        ["file type acceptance-criteria"] = t => t.Spec.Files![2].Type = FileTypes.AcceptanceCriteria,
        ["file type absent (not yet defaulted)"] = t => t.Spec.Files![2].Type = null,
        ["file name with upper case, '_' and '-'"] = t => t.Spec.Files![1].Name = "Design_Spec-v2.md",
        ["file name with single dots"] = t => t.Spec.Files![1].Name = "notes.v1.2.md",
        ["file name a digit"] = t => t.Spec.Files![1].Name = "0.md",
        ["file name 253 characters"] = t => t.Spec.Files![1].Name = new string('a', 250) + ".md",
        ["file name containing 'claude' but not reserved"] = t => t.Spec.Files![1].Name = "CLAUDE-notes.md",
        ["empty content"] = t => t.Spec.Files![1].Content = "",
        ["one file"] = t => t.Spec.Files = [t.Spec.Files![0]],
        ["retry absent (not yet defaulted)"] = t => t.Spec.Retry = null,
        ["retry.attempt 1"] = t => t.Spec.Retry!.Attempt = 1,
        ["retry.attempt large"] = t => t.Spec.Retry!.Attempt = 1_000_000,
        ["retry.maxRetries 0"] = t => t.Spec.Retry!.MaxRetries = 0,
        ["retry.maxRetries 10"] = t => t.Spec.Retry!.MaxRetries = 10,
        ["timeoutSeconds 60"] = t => t.Spec.TimeoutSeconds = 60,
        ["timeoutSeconds 604800"] = t => t.Spec.TimeoutSeconds = 604_800,
        ["cancel true"] = t => t.Spec.Cancel = true,
        ["dependsOn empty"] = t => t.Spec.DependsOn = [],
        ["dependsOn 32 TaskRuns"] = t => t.Spec.DependsOn = [.. Enumerable.Range(0, 32).Select(i => $"dep-{i}")],
        ["dependsOn dotted names"] = t => t.Spec.DependsOn = ["build.api", "a", new string('a', 253)],
        ["dependsOn with generateName"] = t => { t.Metadata.Name = null; t.Metadata.GenerateName = "build-"; t.Spec.DependsOn = ["build"]; },
        ["agent override with image and resources"] = t => t.Spec.Agent = new AgentOverride
        {
            Image = "ghcr.io/5dlabs/platform/claude-code:1.2",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("2Gi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi") },
            },
        },
        ["agent override empty"] = t => t.Spec.Agent = new AgentOverride(),
        ["other annotations"] = t => t.Metadata.Annotations = new Dictionary<string, string> { ["orchestrator.io/note"] = "x", ["kubectl.kubernetes.io/last-applied-configuration"] = "{}" },
        ["generateName instead of name"] = t => { t.Metadata.Name = null; t.Metadata.GenerateName = "auth-service-"; },
    };

    public static TheoryData<string> AcceptanceNames => new(Acceptances.Keys);

    [Theory]
    [MemberData(nameof(AcceptanceNames))]
    public void A_TaskRun_within_every_rule_is_valid(string caseName)
    {
        var taskRun = TaskRuns.Valid();
        Acceptances[caseName](taskRun);

        var result = TaskRunValidator.ValidateCreate(taskRun, TaskRuns.OverridesAllowed);

        ValidationAssert.Valid(result);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public void An_agent_override_is_forbidden_when_the_config_disallows_it()
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec.Agent = new AgentOverride { Image = "ghcr.io/me/agent:dev" };
        var policy = ValidationPolicy.Default with { AllowAgentOverrides = false };

        var result = TaskRunValidator.ValidateCreate(taskRun, policy);

        ValidationAssert.SingleError(result, "spec.agent", FieldErrorType.Forbidden, "agent.allowOverrides: false", "remove spec.agent");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Max_turns_alone_overrides_nothing_and_is_fine_when_the_config_disallows_overrides(int? maxTurns)
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec.Agent = new AgentOverride { MaxTurns = maxTurns };

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default with { AllowAgentOverrides = false });

        ValidationAssert.Valid(result);
    }

    [Fact]
    public void No_agent_override_is_fine_when_the_config_disallows_overrides()
    {
        var result = TaskRunValidator.ValidateCreate(TaskRuns.Valid(), ValidationPolicy.Default with { AllowAgentOverrides = false });

        ValidationAssert.Valid(result);
    }

    [Fact]
    public void A_TaskRun_without_spec_is_rejected_with_one_error()
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec = null!;

        var result = TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default);

        ValidationAssert.SingleError(result, "spec", FieldErrorType.Required, "taskId, serviceName and files");
    }

    [Fact]
    public void Messages_never_echo_control_characters_or_huge_values()
    {
        var taskRun = TaskRuns.Valid();
        taskRun.Spec.Priority = "\u001b[31m" + new string('x', 5000);

        var error = Assert.Single(TaskRunValidator.ValidateCreate(taskRun, ValidationPolicy.Default).Errors);

        Assert.DoesNotContain('\u001b', error.Message);
        Assert.True(error.Message.Length < 500, $"message is {error.Message.Length} characters");
    }

    [Theory]
    [InlineData(FieldErrorType.Required, "FieldValueRequired")]
    [InlineData(FieldErrorType.Invalid, "FieldValueInvalid")]
    [InlineData(FieldErrorType.NotSupported, "FieldValueNotSupported")]
    [InlineData(FieldErrorType.Duplicate, "FieldValueDuplicate")]
    [InlineData(FieldErrorType.TooLong, "FieldValueTooLong")]
    [InlineData(FieldErrorType.Forbidden, "FieldValueForbidden")]
    public void Each_error_type_maps_to_the_Kubernetes_cause_reason(FieldErrorType type, string reason) =>
        Assert.Equal(reason, new FieldError("spec.x", type, "m").Reason);
}
