using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace TaskRun.Runtime;

/// <summary>
/// Our types embed KubernetesClient's models and are (de)serialized with its options by System.Text.Json's reflection
/// resolver. KubernetesClient 21 names it itself, after its source-generated context for its models; a client whose
/// options left the resolver to the default would get none under native AOT, which switches that default off. A
/// native-AOT program calls this before any Kubernetes call, so such a client still gets it.
/// </summary>
public static class KubernetesJsonReflection
{
    private const string KubeJsonReflectionKept = "KubernetesClient's models come from its source-generated context; what else is reflected over "
        + "is kept whole: TaskRun.Core, TaskRun.Controller and the client's watch events (TaskRun.Controller.csproj, TrimmerRoots.xml).";

    /// <summary>Under native AOT, gives KubernetesClient's options the reflection resolver; under JIT, does nothing.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = KubeJsonReflectionKept)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = KubeJsonReflectionKept)]
    public static void EnsureUnderNativeAot()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            KubernetesJson.AddJsonOptions(options => options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver());
        }
    }
}
