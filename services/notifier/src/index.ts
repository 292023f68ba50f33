export {
  createNotifierWorker,
  CONSUMER_NAME,
  type NotifierConfig,
  type NotifierDeps,
  type NotifierWorker,
} from './worker.js';
export { createMailTransport, type MailConfig } from './mail/create.js';
export { createSmtpTransport, type SmtpTransportOptions } from './mail/smtp-transport.js';
export { createMailDirTransport } from './mail/maildir-transport.js';
export { classifySmtpError, type SmtpFailure } from './mail/classify.js';
export { messageIdFor, fileNameFor, mailDomain } from './mail/message-id.js';
export {
  Letter,
  traitsOf,
  type NotificationToSend,
  type LetterOptions,
  type UnsubscribeLinks,
} from './letter.js';
export { skipHeldBack, suppress, type Bounce } from './suppressions.js';
export type { MailTransport, OutgoingMail, MailReceipt } from './mail/types.js';
export { recordNotification, deliveryCounts, type DeliveryStatus } from './repository.js';
export {
  claimPending,
  markDeliveries,
  releaseClaims,
  type PendingDelivery,
  type DeliveryUpdate,
} from './claims.js';
export { sendPending, type RoundResult } from './sender.js';
export { RateLimiter } from './pacing.js';
