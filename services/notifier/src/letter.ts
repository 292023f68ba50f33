import {
  CompiledNotification,
  signUnsubscribeToken,
  type RenderedNotification,
} from '@identity-relay/contracts';
import { Prisma, sqlQuery, type PrismaClient } from '@identity-relay/db';
import type { PendingDelivery } from './claims.js';
import { headerSafeId } from './mail/message-id.js';
import type { OutgoingMail } from './mail/types.js';

/** A recorded notification with the templates its emails are rendered from. */
export interface NotificationToSend {
  id: string;
  topic: string;
  list: string;
  subject: string;
  text: string;
  html?: string | null;
  data?: Record<string, unknown> | null;
}

export interface UnsubscribeLinks {
  /** PUBLIC_BASE_URL, without a trailing slash. */
  baseUrl: string;
  /** UNSUBSCRIBE_SECRET (comma-separated keys; the first signs). */
  secret: string;
  /** UNSUBSCRIBE_MAILTO: adds the mailto: form of List-Unsubscribe. */
  mailto?: string;
}

export interface LetterOptions {
  /** MAIL_FROM. */
  from: string;
  /** MAIL_FROM's domain: List-Id. */
  domain: string;
  unsubscribe: UnsubscribeLinks;
}

/** A pending delivery with the traits its templates render with (empty when the templates need none). */
export type Recipient = PendingDelivery & { traits?: Record<string, unknown> };

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One notification's emails: templates parsed once (a template that does not parse throws a TemplateError
 * here), then per recipient rendered with their traits and given the RFC 2369/8058 unsubscribe headers and a
 * footer with the same link in the text and HTML parts.
 */
export class Letter {
  private readonly templates: CompiledNotification;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly n: NotificationToSend,
    private readonly opts: LetterOptions,
  ) {
    this.templates = new CompiledNotification(n);
    this.headers = {
      'X-Notification-Id': headerSafeId(n.id),
      'X-Notification-Topic': n.topic,
      'Auto-Submitted': 'auto-generated',
      // RFC 2919: lets mail clients and providers group and filter the list.
      'List-Id': `<${n.list}.${opts.domain}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    };
  }

  /** True when the templates read recipients' traits: the sender then loads them per claimed chunk. */
  get needsTraits(): boolean {
    return !this.templates.plain;
  }

  /** The unsubscribe URL of one address on this list. */
  unsubscribeUrl(email: string): string {
    const token = signUnsubscribeToken(this.opts.unsubscribe.secret, { list: this.n.list, email });
    return `${this.opts.unsubscribe.baseUrl}/unsubscribe/${token}`;
  }

  /** The email of one recipient; throws a TemplateError when rendering fails for them. */
  compose(r: Recipient): OutgoingMail {
    const body = this.templates.render({ email: r.email, traits: r.traits ?? {} });
    const url = this.unsubscribeUrl(r.email);
    const mailto = this.opts.unsubscribe.mailto;
    const listUnsubscribe = mailto
      ? `<${url}>, <mailto:${mailto}?subject=unsubscribe%20${encodeURIComponent(this.n.list)}>`
      : `<${url}>`;
    return {
      from: this.opts.from,
      to: r.email,
      messageId: r.messageId,
      ...withFooter(body, this.n.list, url),
      headers: { ...this.headers, 'List-Unsubscribe': listUnsubscribe },
    };
  }
}

/** The same unsubscribe link at the end of the text part and of the HTML part (before `</body>` if any). */
function withFooter(body: RenderedNotification, list: string, url: string): RenderedNotification {
  const text = `${body.text}\n\n--\nYou get this email as a member of the list "${list}".\nUnsubscribe: ${url}\n`;
  if (body.html === null) return { ...body, text };
  const footer =
    `<p style="font-size:12px;color:#666">You get this email as a member of the list ` +
    `&quot;${escapeHtml(list)}&quot;. <a href="${escapeHtml(url)}">Unsubscribe</a></p>`;
  const end = body.html.search(/<\/body>/i);
  const html =
    end < 0 ? `${body.html}\n${footer}` : `${body.html.slice(0, end)}${footer}${body.html.slice(end)}`;
  return { ...body, text, html };
}

/** The traits of the given identities (the synced `identities.traits`), for rendering templates. */
export async function traitsOf(
  prisma: PrismaClient,
  identityIds: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  if (identityIds.length === 0) return new Map();
  const rows = await sqlQuery<{ id: string; traits: Record<string, unknown> | null }>(
    prisma,
    Prisma.sql`SELECT id::text AS id, traits FROM identities WHERE id = ANY(${[...identityIds]}::uuid[])`,
  );
  return new Map(rows.map((r) => [r.id, r.traits ?? {}]));
}
