using System.Net;
using k8s.Autorest;

namespace TaskRun.Controller.Reconciliation;

internal static class KubernetesErrors
{
    public static bool IsNotFound(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    public static bool IsConflict(Exception e) => e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict };

    /// <summary>
    /// A failure as a user may read it in an Event: the HTTP status of an API error, never its body (the status
    /// message of a 422 can quote another object's spec); other exceptions are the controller's own messages.
    /// </summary>
    public static string Describe(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } =>
            $"the API server answered {(int)response.StatusCode} {response.StatusCode}{(response.StatusCode == HttpStatusCode.Forbidden ? " (the controller's RBAC does not allow it)" : "")}; the controller's log has details",
        HttpOperationException => "an API call failed; the controller's log has details",
        HttpRequestException or IOException or TaskCanceledException => "the API server could not be reached; retrying",
        _ => e.Message,
    };
}
