import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '@identity-relay/db';
import type { Principal } from './authenticator.js';
import { GRANTS, roleOf, type Grant } from './roles.js';

/** What a console session is created for: a subject with ops grants, until `expiresAt` at the latest. */
export interface SessionGrant {
  /** `ops-token` or `oidc:<sub>`. */
  subject: string;
  /** Display name (preferred_username or email), when known. */
  name?: string;
  /** Ops grants: read | operator | pii. At least read or operator. */
  roles: readonly Grant[];
  /** Unset or later than the store's maximum age: now + that maximum. */
  expiresAt?: Date;
  /** The principal's `credential` (OPS_TOKEN's fingerprint): the session is live only while it is in force. */
  credential?: string;
}

export interface Session {
  subject: string;
  name: string | null;
  roles: Grant[];
  createdAt: Date;
  expiresAt: Date;
}

export interface SessionStoreOptions {
  /** (default=28800) Longest a session lives, in seconds; 60..604800. */
  maxAgeSeconds?: number;
  /**
   * (default=none) `credentialFingerprint`s of the shared credentials in force (OPS_TOKEN's). A session created
   * with another one — the OPS_TOKEN before a rotation — is over, on every replica, without touching the table.
   */
  credentials?: readonly string[];
  now?: () => Date;
}

/** The row's key: a leaked `ops_sessions` table holds no usable cookie. */
const idOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Opaque server-side console sessions in `ops_sessions`. The cookie carries 256 random bits; the row
 * holds their sha256, the subject, the grants and the expiry. Revoking sets `revoked_at`, so a copied
 * cookie stops working at once, on every replica.
 */
export class SessionStore {
  readonly maxAgeSeconds: number;
  private readonly now: () => Date;
  private readonly credentials: string[];

  constructor(
    private readonly prisma: PrismaClient,
    opts: SessionStoreOptions = {},
  ) {
    this.maxAgeSeconds = opts.maxAgeSeconds ?? 8 * 3600;
    if (!Number.isInteger(this.maxAgeSeconds) || this.maxAgeSeconds < 60 || this.maxAgeSeconds > 604_800)
      throw new RangeError(`maxAgeSeconds must be an integer in 60..604800, got ${this.maxAgeSeconds}`);
    this.now = opts.now ?? (() => new Date());
    this.credentials = [...(opts.credentials ?? [])];
  }

  /** A new session; the token goes into the cookie and is not stored. */
  async create(grant: SessionGrant): Promise<{ token: string; session: Session }> {
    const roles = GRANTS.filter((g) => grant.roles.includes(g));
    if (!roleOf(roles)) throw new RangeError('a session needs the read or operator role');
    const now = this.now();
    const latest = new Date(now.getTime() + this.maxAgeSeconds * 1000);
    const expiresAt = grant.expiresAt && grant.expiresAt < latest ? grant.expiresAt : latest;
    if (expiresAt <= now) throw new RangeError('the session would already be expired');
    const token = randomBytes(32).toString('base64url');
    const row = await this.prisma.opsSession.create({
      data: {
        id: idOf(token),
        subject: grant.subject,
        name: grant.name ?? null,
        roles,
        expiresAt,
        credential: grant.credential ?? null,
      },
    });
    return { token, session: toSession(row) };
  }

  /** The live session of a cookie token: neither expired nor revoked; else null. */
  async resolve(token: string | undefined): Promise<Session | null> {
    if (!token || token.length > 128) return null;
    const row = await this.prisma.opsSession.findFirst({
      where: {
        id: idOf(token),
        revokedAt: null,
        expiresAt: { gt: this.now() },
        OR: [{ credential: null }, { credential: { in: this.credentials } }],
      },
    });
    return row ? toSession(row) : null;
  }

  /** Ends the session of this token (sign-out). */
  async revoke(token: string): Promise<void> {
    await this.prisma.opsSession.updateMany({
      where: { id: idOf(token), revokedAt: null },
      data: { revokedAt: this.now() },
    });
  }

  /** Ends every live session of a subject (e.g. a user whose access was withdrawn); returns how many. */
  async revokeSubject(subject: string): Promise<number> {
    const { count } = await this.prisma.opsSession.updateMany({
      where: { subject, revokedAt: null, expiresAt: { gt: this.now() } },
      data: { revokedAt: this.now() },
    });
    return count;
  }

  /** Deletes sessions that expired or were revoked more than a day ago; returns how many. */
  async purge(): Promise<number> {
    const before = new Date(this.now().getTime() - 86_400_000);
    const { count } = await this.prisma.opsSession.deleteMany({
      where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] },
    });
    return count;
  }
}

function toSession(row: {
  subject: string;
  name: string | null;
  roles: string[];
  createdAt: Date;
  expiresAt: Date;
}): Session {
  return {
    subject: row.subject,
    name: row.name,
    roles: GRANTS.filter((g) => row.roles.includes(g)),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

/** The caller a session stands for, as the API's authenticator would describe them. */
export function principalOfSession(session: Session): Principal | null {
  const role = roleOf(session.roles);
  if (!role) return null;
  return {
    actor: session.name ? `${session.subject} (${session.name})` : session.subject,
    subject: session.subject,
    ...(session.name ? { name: session.name } : {}),
    role,
    grants: session.roles,
    expiresAt: session.expiresAt,
  };
}
