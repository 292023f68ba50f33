import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes a whole encoded message on as one chunk, and only once `acceptAfter` has resolved. Put between
 * nodemailer's MIME stream and the SMTP connection, it does two things:
 * - the server cannot accept the message before `acceptAfter`: SMTP accepts a message at the end of its
 *   data (the final `.` line), which follows this stream's end. The envelope (MAIL FROM, RCPT TO, DATA) goes
 *   out meanwhile, so the wait overlaps a round trip. When `acceptAfter` rejects, the stream fails with its
 *   error and nodemailer closes the connection without ending the data: the message is not accepted.
 * - the body reaches the socket as one write whatever chunks the stream before it hands on.
 * Notifications are small (text and HTML, no attachments), so holding one in memory is cheap.
 */
export class HeldMessage extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(private readonly acceptAfter?: PromiseLike<unknown>) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const release = (): void => done(null, Buffer.concat(this.chunks));
    if (!this.acceptAfter) return release();
    this.acceptAfter.then(release, (err: unknown) =>
      done(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
