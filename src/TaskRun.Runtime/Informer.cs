using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace TaskRun.Runtime;

/// <summary>
/// List+watch for one kind into an <see cref="ObjectCache{T}"/>, telling handlers about every change.
/// Built around the failure modes the C# client has shipped (docs/design-decisions.md): every watch carries a server-side
/// timeout and a client-side idle limit, a stream that ends is reopened from the last resourceVersion, and an
/// 410 Gone or an undecodable event leads to a fresh list, which also reports objects
/// deleted while nobody watched.
/// </summary>
public sealed class Informer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceClient<T> client;
    private readonly InformerOptions options;
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly ILogger logger;
    private readonly Func<T, T> slim;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(IResourceClient<T> client, InformerOptions options, TimeProvider time, Random random, ILogger logger, Func<T, T>? slim = null)
    {
        this.slim = slim ?? (obj => obj);
        this.client = client ?? throw new ArgumentNullException(nameof(client));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        this.random = random ?? throw new ArgumentNullException(nameof(random));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public ObjectCache<T> Cache { get; } = new();

    /// <summary>Caches an object the caller has just written, in the same slimmed form the watch stores.</summary>
    public bool Store(T obj) => Cache.Put(slim(obj));

    /// <summary>Called with (old, new) on add (old null), update, and delete (new null).</summary>
    public event Action<T?, T?>? Changed;

    /// <summary>Raised for each list: the number of lists tells tests and metrics about re-lists.</summary>
    public event Action<string>? Listed;

    /// <summary>Raised when the server answers a watch with 410 Gone (before the re-list).</summary>
    public event Action? Expired;

    /// <summary>
    /// Raised when a list or watch failed, with the delay before the next try (zero: at once). A 410 Gone is
    /// not a failure (see <see cref="Expired"/>); the informer logs every failure itself.
    /// </summary>
    public event Action<Exception, TimeSpan>? Failed;

    /// <summary>Completes once the first list is in the cache.</summary>
    public Task Synced => synced.Task;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(cancellationToken);
                failures = 0;
                await WatchUntilRelistNeededAsync(resourceVersion, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff.Delay(options.RetryBaseDelay, options.RetryMaxDelay, failures - 1, random);
                logger.LogWarning(e, "{Kind} list/watch failed ({Failures} in a row); retrying in {Delay}", client.Kind, failures, delay);
                Failed?.Invoke(e, delay);
                await Task.Delay(delay, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(cancellationToken);
        var seen = new HashSet<ObjectKey>();
        foreach (var item in list.Items)
        {
            seen.Add(ObjectKey.Of(item));
            Apply(WatchEventType.Modified, item);
        }

        foreach (var key in Cache.Keys.Where(k => !seen.Contains(k)))
        {
            if (Cache.Remove(key, out var gone))
            {
                Changed?.Invoke(gone, null);
            }
        }

        logger.LogDebug("{Kind}: listed {Count} at resourceVersion {ResourceVersion}", client.Kind, list.Items.Count, list.ResourceVersion);
        Listed?.Invoke(list.ResourceVersion);
        synced.TrySetResult();
        return list.ResourceVersion;
    }

    /// <summary>
    /// Watches, reopening ended or broken streams from the last resourceVersion (as client-go does), until the
    /// server says that version is gone (410) or an event could not be read: then the cache is rebuilt by a list.
    /// </summary>
    private async Task WatchUntilRelistNeededAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Exception? streamError = null;
            var idleLimit = TimeSpan.FromSeconds(options.WatchTimeoutSeconds) + options.IdleGrace;
            // On the injected clock, so tests can let a silent watch time out without waiting.
            using var idle = new CancellationTokenSource(idleLimit, time);
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            try
            {
                await foreach (var (type, obj) in client.WatchAsync(resourceVersion, options.WatchTimeoutSeconds, e => streamError ??= e, watching.Token))
                {
                    idle.CancelAfter(idleLimit);
                    failures = 0;
                    resourceVersion = obj.Metadata?.ResourceVersion ?? resourceVersion;
                    if (type != WatchEventType.Bookmark)
                    {
                        Apply(type, obj);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("{Kind} watch was silent for {IdleLimit}; reopening it", client.Kind, idleLimit);
                Failed?.Invoke(new TimeoutException($"the {client.Kind} watch sent nothing for {idleLimit}"), TimeSpan.Zero);
                continue;
            }
            catch (Exception e) when (WatchErrors.IsGone(e))
            {
                streamError = e;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The connection broke (an API server restart, a network blip): watch again from where we were.
                failures++;
                var delay = Backoff.Delay(options.RetryBaseDelay, options.RetryMaxDelay, failures - 1, random);
                logger.LogWarning(e, "{Kind} watch broke; reopening from resourceVersion {ResourceVersion} in {Delay}", client.Kind, resourceVersion, delay);
                Failed?.Invoke(e, delay);
                await Task.Delay(delay, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }

            if (streamError is not null)
            {
                if (WatchErrors.IsGone(streamError))
                {
                    logger.LogInformation("{Kind} watch expired (410 Gone); re-listing", client.Kind);
                    Expired?.Invoke();
                }
                else
                {
                    logger.LogWarning(streamError, "{Kind} watch reported an error; re-listing so no event is lost", client.Kind);
                    Failed?.Invoke(streamError, TimeSpan.Zero);
                }

                return;
            }
        }
    }

    private void Apply(WatchEventType type, T obj)
    {
        var key = ObjectKey.Of(obj);
        if (type == WatchEventType.Deleted)
        {
            Cache.Remove(key, out var removed);
            Changed?.Invoke(removed ?? obj, null);
            return;
        }

        var old = Cache.Get(key);
        var stored = slim(obj);
        if (Cache.Put(stored))
        {
            Changed?.Invoke(old, stored);
        }
    }
}

public sealed record InformerOptions
{
    /// <summary>Server-side watch timeout; the client also gives up after this plus <see cref="IdleGrace"/> of silence.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    public TimeSpan IdleGrace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}
