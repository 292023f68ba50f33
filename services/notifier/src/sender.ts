import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@identity-relay/db';
import type { Logger } from 'pino';
import { DeliveryRound, type RoundOptions, type RoundResult } from './delivery-round.js';
import { Letter, type LetterOptions, type NotificationToSend } from './letter.js';
import type { MailTransport } from './mail/types.js';
import { prismaRoundStore } from './round-store.js';

export type { NotificationToSend } from './letter.js';
export type { RoundResult, Slots } from './delivery-round.js';

export interface SenderDeps extends Pick<
  RoundOptions,
  'slots' | 'rate' | 'concurrency' | 'claimBatch' | 'claimLeaseMs' | 'onResult' | 'stopping'
> {
  prisma: PrismaClient;
  transport: MailTransport;
  logger: Logger;
  /** Sender, MAIL_FROM domain and unsubscribe links of every email. */
  letter: LetterOptions;
}

/**
 * Sends every pending delivery of one notification once: one DeliveryRound over the notification's rows in
 * Postgres, under a fresh round id. A template that does not parse throws a TemplateError before anything is
 * claimed.
 */
export async function sendPending(n: NotificationToSend, deps: SenderDeps): Promise<RoundResult> {
  const { prisma, letter, ...options } = deps;
  const round = new DeliveryRound({
    ...options,
    notificationId: n.id,
    letter: new Letter(n, letter),
    store: prismaRoundStore(prisma, n, randomUUID()),
  });
  return round.run();
}
