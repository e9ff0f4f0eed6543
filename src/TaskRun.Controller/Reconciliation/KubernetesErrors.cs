using System.Net;
using k8s.Autorest;

namespace TaskRun.Controller.Reconciliation;

internal static class KubernetesErrors
{
    public static bool IsNotFound(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    public static bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };
}
