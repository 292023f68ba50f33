import { BadRequestError } from '../errors.js';
import { checkId, parseLimit, UUID } from '../store/filter.js';
import type { IdentityItem, IdentityQuery, IdentityRepository, Timeline } from './repository.js';

const SEARCH_KEYS = ['id', 'email', 'externalId', 'provider', 'limit'] as const;

/** Identity search and timelines, with input parsing in one place for the API, console and CLI. */
export class IdentityService {
  constructor(private readonly repo: IdentityRepository) {}

  /** `?email=` or `?externalId=&provider=` or `?id=` → `{ items }`. Unknown keys are refused. */
  async search(query: Record<string, unknown>): Promise<{ items: IdentityItem[] }> {
    const problems: string[] = [];
    const q: IdentityQuery = {};
    for (const [key, raw] of Object.entries(query)) {
      if (!(SEARCH_KEYS as readonly string[]).includes(key)) {
        problems.push(`${key}: unknown search key (use email, externalId, provider or id)`);
      } else if (key !== 'limit' && raw !== undefined && raw !== '') {
        if (typeof raw !== 'string') problems.push(`${key}: must be a string`);
        else q[key as keyof IdentityQuery] = raw.trim();
      }
    }
    if (q.id && !UUID.test(q.id)) problems.push(`id: must be a UUID, got ${JSON.stringify(q.id)}`);
    if (!q.id && !q.email && !q.externalId) problems.push('give email, externalId (with provider) or id');
    if (problems.length > 0) throw new BadRequestError(problems.join('; '), { code: 'bad_search' });
    return { items: await this.repo.search(q, parseLimit(query.limit, 20)) };
  }

  /**
   * What an operator typed: an address (has `@`), our id or an external id (a UUID may be either, so both
   * are looked up), or an external id.
   */
  async find(ref: string): Promise<IdentityItem[]> {
    const text = ref.trim();
    if (text === '') throw new BadRequestError('give an email address, identity id or external id');
    if (text.includes('@')) return this.repo.search({ email: text }, 20);
    const byExternal = await this.repo.search({ externalId: text }, 20);
    if (!UUID.test(text)) return byExternal;
    const byId = await this.repo.search({ id: text.toLowerCase() }, 1);
    return [...byId, ...byExternal.filter((i) => i.id !== byId[0]?.id)];
  }

  get(id: string): Promise<IdentityItem> {
    return this.repo.get(checkId(id));
  }

  timeline(id: string): Promise<Timeline> {
    return this.repo.timeline(checkId(id));
  }
}
