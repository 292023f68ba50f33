/** One email, fully decided: the transport only encodes and delivers it. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Deterministic `<...@MAIL_FROM domain>` so receivers can drop the duplicate a crash can cause. */
  messageId: string;
  headers: Record<string, string>;
}

export interface MailReceipt {
  /** What the server (or the .eml writer) reported: its queue id when it names one, else its reply. */
  smtpMessageId: string;
  /** The server's full reply (`250 2.0.0 Ok: queued as X`); absent for .eml files. */
  response?: string;
}

/** Where mail goes: one pooled SMTP transport, or a folder of .eml files. */
export interface MailTransport {
  readonly kind: 'smtp' | 'maildir';
  /**
   * Resolves once the server accepted the message; rejects with nodemailer's error otherwise. With
   * `acceptAfter`, the message is not accepted before that settles: the transport may go as far as the end
   * of the data and waits there, and when `acceptAfter` rejects the send is abandoned unaccepted and
   * rejects with its error.
   */
  send(mail: OutgoingMail, acceptAfter?: PromiseLike<unknown>): Promise<MailReceipt>;
  close(): Promise<void>;
}
