using TaskRun.WebhookLoad;

// hack/bench-webhook.sh runs: `serve-bare` (the ceiling, a process of its own, like the webhook) and `prepare`
// (the request bodies wrk sends, checked against the webhook); hack/bench-webhook-hotpath.sh runs `hotpath`.
return args.FirstOrDefault() switch
{
    "serve-bare" => await BareServer.RunAsync(Arguments.Parse(args[1..])),
    "prepare" => await PrepareCommand.RunAsync(Arguments.Parse(args[1..])),
    "hotpath" => await HotPathCommand.RunAsync(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: TaskRun.WebhookLoad serve-bare --port <p> --cert-dir <dir>
               TaskRun.WebhookLoad prepare --webhook https://127.0.0.1:<p> --ca <ca.crt> --out <dir>
               TaskRun.WebhookLoad hotpath [--seconds 2]
        """);
    return 2;
}
