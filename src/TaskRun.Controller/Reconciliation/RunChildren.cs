using System.Globalization;
using TaskRun.Core.Naming;
using TaskRun.Core.Payload;
using TaskRun.Core.Validation;

namespace TaskRun.Controller.Reconciliation;

/// <summary>Builds the objects of run <c>n</c> of a TaskRun: its ConfigMap, its Job and the service's workspace PVC.</summary>
public static class RunChildren
{
    public const string InitContainerName = "prepare-workspace";
    public const string AgentContainerName = "claude-agent";
    private const long NonRootUser = 1000;

    public static IDictionary<string, string> Labels(V2TaskRun taskRun, int run) => new Dictionary<string, string>
    {
        [TaskRunLabels.TaskId] = taskRun.Spec.TaskId!.Value.ToString(CultureInfo.InvariantCulture),
        [TaskRunLabels.Service] = taskRun.Spec.ServiceName!,
        [TaskRunLabels.Priority] = taskRun.Spec.Priority ?? Priorities.Default,
        [TaskRunLabels.TaskRun] = LabelSafeName(taskRun.Metadata.Name),
        [TaskRunLabels.TaskRunUid] = taskRun.Metadata.Uid,
        [TaskRunLabels.Run] = run.ToString(CultureInfo.InvariantCulture),
        [TaskRunLabels.ManagedBy] = TaskRunLabels.ManagedByValue,
    };

    /// <summary>A TaskRun name may be longer than a label value may be; the Job's naming rule shortens it the same way.</summary>
    public static string LabelSafeName(string name) =>
        name.Length <= 63 ? name : RunNames.Job(name, 0)[..^"-run-0".Length];

    public static V1ConfigMap ConfigMap(V2TaskRun taskRun, int run, RunPayload payload) => new()
    {
        ApiVersion = "v1",
        Kind = V1ConfigMap.KubeKind,
        Metadata = Metadata(taskRun, RunNames.ConfigMap(taskRun.Metadata.Name, run), run),
        Data = payload.ToDictionary(),
    };

    public static V1Job Job(V2TaskRun taskRun, int run, ControllerConfig config)
    {
        var spec = taskRun.Spec;
        var name = RunNames.Job(taskRun.Metadata.Name, run);
        var serviceDir = $"{WorkspaceScript.WorkspaceMountPath}/{spec.ServiceName}";
        var labels = Labels(taskRun, run);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = V1Job.KubeKind,
            Metadata = Metadata(taskRun, name, run),
            Spec = new V1JobSpec
            {
                BackoffLimit = config.Job.BackoffLimit,
                ActiveDeadlineSeconds = spec.TimeoutSeconds ?? config.Job.ActiveDeadlineSeconds,
                TtlSecondsAfterFinished = config.Job.TtlSecondsAfterFinished,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        PriorityClassName = config.Scheduling.PriorityClassNames.GetValueOrDefault(spec.Priority ?? Priorities.Default),
                        AutomountServiceAccountToken = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = NonRootUser,
                            RunAsGroup = NonRootUser,
                            FsGroup = NonRootUser,
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        InitContainers = [InitContainer(taskRun, run, config)],
                        Containers = [AgentContainer(taskRun, run, config, serviceDir)],
                        Volumes =
                        [
                            new V1Volume { Name = "task-files", ConfigMap = new V1ConfigMapVolumeSource { Name = RunNames.ConfigMap(taskRun.Metadata.Name, run) } },
                            new V1Volume { Name = "workspace", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = WorkspaceClaimName(spec.ServiceName!) } },
                        ],
                    },
                },
            },
        };
    }

    public static string WorkspaceClaimName(string serviceName) => $"{serviceName}-workspace-pvc";

    public static V1PersistentVolumeClaim WorkspaceClaim(string ns, string serviceName, WorkspaceConfig workspace) => new()
    {
        ApiVersion = "v1",
        Kind = V1PersistentVolumeClaim.KubeKind,
        Metadata = new V1ObjectMeta
        {
            Name = WorkspaceClaimName(serviceName),
            NamespaceProperty = ns,
            // No owner: the workspace outlives every TaskRun of the service and is never deleted by the controller.
            Labels = new Dictionary<string, string> { [TaskRunLabels.Service] = serviceName, [TaskRunLabels.ManagedBy] = TaskRunLabels.ManagedByValue },
        },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = [workspace.AccessMode],
            StorageClassName = workspace.StorageClassName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(workspace.StorageSize) } },
        },
    };

    private static V1ObjectMeta Metadata(V2TaskRun taskRun, string name, int run) => new()
    {
        Name = name,
        NamespaceProperty = taskRun.Metadata.NamespaceProperty,
        Labels = Labels(taskRun, run),
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = TaskRunApi.V2ApiVersion,
                Kind = TaskRunApi.Kind,
                Name = taskRun.Metadata.Name,
                Uid = taskRun.Metadata.Uid,
                Controller = true,
                BlockOwnerDeletion = true,
            },
        ],
    };

    private static V1Container InitContainer(V2TaskRun taskRun, int run, ControllerConfig config) => new()
    {
        Name = InitContainerName,
        Image = config.InitContainer.Image,
        Command = ["/bin/sh", "-c", WorkspaceScript.Text],
        Env =
        [
            Env("SERVICE_NAME", taskRun.Spec.ServiceName!),
            Env("TASK_ID", taskRun.Spec.TaskId!.Value.ToString(CultureInfo.InvariantCulture)),
            Env("RUN_NUMBER", run.ToString(CultureInfo.InvariantCulture)),
            Env("CONFIG_DIR", WorkspaceScript.ConfigMountPath),
            Env("WORKSPACE_DIR", WorkspaceScript.WorkspaceMountPath),
        ],
        VolumeMounts =
        [
            new V1VolumeMount { Name = "task-files", MountPath = WorkspaceScript.ConfigMountPath, ReadOnlyProperty = true },
            new V1VolumeMount { Name = "workspace", MountPath = WorkspaceScript.WorkspaceMountPath },
        ],
        Resources = Quantities(config.InitContainer.Resources.Requests, config.InitContainer.Resources.Limits),
        SecurityContext = RestrictedContainer(),
    };

    private static V1Container AgentContainer(V2TaskRun taskRun, int run, ControllerConfig config, string serviceDir)
    {
        var spec = taskRun.Spec;
        var image = AgentPolicy.Image(config.Agent, spec.Agent);
        var env = new List<V1EnvVar>();
        // The API key goes only into the config's image or an allowed one; validation refuses any other before this.
        if (AgentPolicy.IsImageAllowed(config.Agent, image))
        {
            env.Add(new V1EnvVar
            {
                Name = "ANTHROPIC_API_KEY",
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = config.Secrets.Name, Key = config.Secrets.ApiKeyKey } },
            });
        }

        env.AddRange(
        [
            Env("TASK_ID", spec.TaskId!.Value.ToString(CultureInfo.InvariantCulture)),
            Env("SERVICE_NAME", spec.ServiceName!),
            Env("TASK_PRIORITY", spec.Priority ?? Priorities.Default),
            Env("RUN_NUMBER", run.ToString(CultureInfo.InvariantCulture)),
            Env("TASKRUN_NAME", taskRun.Metadata.Name),
            Env("TASK_DIR", $"{RunPayloadBuilder.RunDirectory(spec.TaskId.Value, run)}"),
        ]);
        env.AddRange(AgentInvocation.Environment(taskRun, run, config.Agent, serviceDir));
        if (config.Telemetry.Enabled && !string.IsNullOrEmpty(config.Telemetry.OtlpEndpoint))
        {
            env.Add(Env("OTEL_EXPORTER_OTLP_ENDPOINT", Core.Observability.OtlpEndpoints.WithScheme(config.Telemetry.OtlpEndpoint)));
            env.Add(Env("OTEL_EXPORTER_OTLP_PROTOCOL", config.Telemetry.Protocol));
            env.Add(Env("OTEL_SERVICE_NAME", AgentContainerName));
        }

        var (requests, limits) = AgentPolicy.Resources(config.Agent, spec.Agent);
        return new V1Container
        {
            Name = AgentContainerName,
            Image = image,
            Command = AgentInvocation.Command(),
            Args = AgentInvocation.Args(config.Agent),
            WorkingDir = serviceDir,
            Env = env,
            Resources = Quantities(requests, limits),
            VolumeMounts = [new V1VolumeMount { Name = "workspace", MountPath = WorkspaceScript.WorkspaceMountPath }],
            SecurityContext = RestrictedContainer(),
        };
    }

    private static V1SecurityContext RestrictedContainer() => new()
    {
        RunAsNonRoot = true,
        AllowPrivilegeEscalation = false,
        Privileged = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    private static V1ResourceRequirements Quantities(IReadOnlyDictionary<string, string> requests, IReadOnlyDictionary<string, string> limits) => new()
    {
        Requests = requests.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
        Limits = limits.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
    };

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };
}
