using System.Net;
using k8s;
using k8s.Autorest;

namespace TaskRun.Runtime;

public static class WatchErrors
{
    /// <summary>
    /// The API server's "too old resource version" (410 Gone), as an error event inside the stream or as the
    /// answer to the watch request: events were lost, so the cache must be rebuilt by a list.
    /// </summary>
    public static bool IsGone(Exception error) =>
        error is KubernetesException { Status.Code: (int)HttpStatusCode.Gone } or HttpOperationException { Response.StatusCode: HttpStatusCode.Gone };
}
