import { seesPersonalData } from '../auth/roles.js';
import type { AuditPage } from '../audit/audit-log.js';
import type { Principal } from '../auth/authenticator.js';
import type { BulkResult } from '../store/actions.js';
import type { Page } from '../store/repository.js';
import type { DeadLetterBody, DeadLetterDetail, DeadLetterGroup, DeadLetterItem } from '../store/views.js';
import { maskJson, maskText } from './mask.js';

const maybe = (text: string | null): string | null => (text === null ? null : maskText(text));

function maskItem<T extends DeadLetterItem>(item: T): T {
  return { ...item, error: maybe(item.error) };
}

/** The body without its raw bytes: parsed JSON or text with personal data masked; binary is withheld. */
function maskBody(body: DeadLetterBody): DeadLetterBody {
  if (body.json !== undefined) return { size: body.size, masked: true, json: maskJson(body.json) };
  if (body.text !== undefined) return { size: body.size, masked: true, text: maskText(body.text) };
  return { size: body.size, masked: true };
}

/**
 * What a caller may see of dead letters: everything for operators and holders of the pii grant;
 * for other read-only users, emails masked and traits (and other profile fields) hidden in errors,
 * headers and bodies, and no raw body bytes.
 */
export class PersonalDataView {
  readonly masked: boolean;

  constructor(principal: Pick<Principal, 'grants'>) {
    this.masked = !seesPersonalData(principal.grants);
  }

  item = (item: DeadLetterItem): DeadLetterItem => (this.masked ? maskItem(item) : item);

  page = (page: Page): Page => (this.masked ? { ...page, items: page.items.map(maskItem) } : page);

  groups = (groups: DeadLetterGroup[]): DeadLetterGroup[] =>
    this.masked ? groups.map((g) => ({ ...g, error: maybe(g.error) })) : groups;

  detail = (d: DeadLetterDetail): DeadLetterDetail =>
    this.masked ? { ...maskItem(d), headers: maskJson(d.headers), body: maskBody(d.body) } : d;

  bulk = (r: BulkResult): BulkResult =>
    this.masked && r.sample ? { ...r, sample: r.sample.map(maskItem) } : r;

  text = (text: string): string => (this.masked ? maskText(text) : text);

  /** Audit rows name whom an action was about (an unsuppressed or resubscribed address, a bulk filter by email). */
  audit = (page: AuditPage): AuditPage =>
    this.masked
      ? {
          ...page,
          items: page.items.map((i) => ({ ...i, filter: maskJson(i.filter), detail: maskJson(i.detail) })),
        }
      : page;
}
