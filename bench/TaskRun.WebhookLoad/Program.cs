using TaskRun.WebhookLoad;

// hack/bench-webhook.sh runs: `serve-bare` (the ceiling, a process of its own, like the webhook) and `load`.
return args.FirstOrDefault() switch
{
    "serve-bare" => await BareServer.RunAsync(Arguments.Parse(args[1..])),
    "load" => await LoadCommand.RunAsync(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: TaskRun.WebhookLoad serve-bare --port <p> --cert-dir <dir>
               TaskRun.WebhookLoad load --webhook https://127.0.0.1:<p> --bare https://127.0.0.1:<q> --ca <ca.crt>
                                        [--webhook-pid <pid>] [--concurrency 32] [--seconds 10] [--warmup-seconds 2]
                                        [--rss-after 100000] [--report <file.md>] [--only /validate] [--payloads typical,large]
        """);
    return 2;
}
