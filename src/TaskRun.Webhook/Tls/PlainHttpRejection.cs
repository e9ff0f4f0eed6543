using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace TaskRun.Webhook.Tls;

/// <summary>
/// Connection middleware in front of TLS on the HTTPS port. A TLS connection starts with a handshake record
/// (first byte 0x16); a plain-HTTP request starts with a method name. Kestrel alone would just drop such a
/// connection after a failed handshake, leaving the client with a reset and no hint; this answers it with
/// <c>400 Bad Request</c> and a message (as Go's net/http does), then closes. A connection that sends nothing
/// within the handshake timeout is closed.
/// </summary>
internal static class PlainHttpRejection
{
    private const byte TlsHandshakeRecord = 0x16;

    private static readonly byte[] Answer = BuildAnswer();

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(TimeSpan firstByteTimeout) => next => async connection =>
    {
        var input = connection.Transport.Input;
        ReadResult first;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(firstByteTimeout);
            try
            {
                first = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                connection.Abort();
                return;
            }
        }

        if (first.Buffer.IsEmpty)
        {
            input.AdvanceTo(first.Buffer.Start);
            return;
        }

        new SequenceReader<byte>(first.Buffer).TryPeek(out var firstByte);
        if (firstByte == TlsHandshakeRecord)
        {
            // Peek only: TLS reads the same bytes again.
            input.AdvanceTo(first.Buffer.Start);
            await next(connection);
            return;
        }

        input.AdvanceTo(first.Buffer.End);
        if (IsAsciiLetter(firstByte))
        {
            // The request arrived with the first read, so closing now sends FIN, not a reset.
            await connection.Transport.Output.WriteAsync(Answer);
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        connection.Abort();
    };

    private static byte[] BuildAnswer()
    {
        const string Body = "{\"error\":\"this port speaks HTTPS only; the client sent plain HTTP to it\",\"code\":400}\n";
        return Encoding.ASCII.GetBytes(
            "HTTP/1.1 400 Bad Request\r\n" +
            "Content-Type: application/json\r\n" +
            "Connection: close\r\n" +
            $"Content-Length: {Body.Length}\r\n" +
            "\r\n" +
            Body);
    }

    private static bool IsAsciiLetter(byte value) => value is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
}
