using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace TaskRun.Runtime;

/// <summary>
/// KubernetesClient serializes its models with System.Text.Json's reflection resolver, which it leaves to the
/// default; native AOT switches that default off. A native-AOT program names it before any Kubernetes call.
/// </summary>
public static class KubernetesJsonReflection
{
    /// <summary>Under native AOT, gives KubernetesClient's options the reflection resolver; under JIT, does nothing.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The native-AOT controller keeps KubernetesClient whole (TaskRun.Controller.csproj).")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The native-AOT controller keeps KubernetesClient whole (TaskRun.Controller.csproj).")]
    public static void EnsureUnderNativeAot()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            KubernetesJson.AddJsonOptions(options => options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver());
        }
    }
}
