using TaskRun.Webhook.Hosting;

return await WebhookHost.RunAsync(args);
