import type { BrokerAdmin, Bus } from '@identity-relay/bus';
import type { PrismaClient } from '@identity-relay/db';
import type { OpsConfig } from '@identity-relay/runtime';
import type { AuthOptions } from './auth/authenticator.js';
import { OidcSignIn } from './auth/oidc-sign-in.js';
import { AuditLog } from './audit/audit-log.js';
import { ErasureService } from './erasure/erasure.js';
import { IdentityRepository } from './identities/repository.js';
import { IdentityService } from './identities/service.js';
import { OpsService } from './ops-service.js';
import { RecipientsService } from './recipients/service.js';
import { DeadLetterActions } from './store/actions.js';
import { DeadLetterRepository } from './store/repository.js';

type AuthConfig = Pick<
  OpsConfig,
  | 'opsToken'
  | 'oidcIssuer'
  | 'oidcAudience'
  | 'oidcJwksUrl'
  | 'oidcRoleClaim'
  | 'oidcReadRole'
  | 'oidcOperatorRole'
  | 'oidcPiiRole'
  | 'nodeEnv'
>;

type SignInConfig = AuthConfig &
  Pick<OpsConfig, 'oidcClientId' | 'oidcClientSecret' | 'oidcRedirectUrl' | 'oidcScopes'>;

/** The console's sign-in with the identity provider, when OIDC_CLIENT_ID is set (roles mapped as for the API). */
export function oidcSignInFrom(config: SignInConfig): OidcSignIn | undefined {
  if (!config.oidcIssuer || !config.oidcClientId || !config.oidcRedirectUrl) return undefined;
  return new OidcSignIn({
    issuer: config.oidcIssuer,
    clientId: config.oidcClientId,
    clientSecret: config.oidcClientSecret,
    redirectUrl: config.oidcRedirectUrl,
    scopes: config.oidcScopes,
    roleClaim: config.oidcRoleClaim,
    readRole: config.oidcReadRole,
    operatorRole: config.oidcOperatorRole,
    piiRole: config.oidcPiiRole,
    requireHttps: config.nodeEnv === 'production',
  });
}

/** Auth options from the configuration: the static token and, when an issuer is set, OIDC. */
export function authOptionsFrom(config: AuthConfig): AuthOptions {
  return {
    opsToken: config.opsToken,
    oidc:
      config.oidcIssuer && config.oidcAudience
        ? {
            issuer: config.oidcIssuer,
            audience: config.oidcAudience,
            jwksUrl: config.oidcJwksUrl,
            roleClaim: config.oidcRoleClaim,
            readRole: config.oidcReadRole,
            operatorRole: config.oidcOperatorRole,
            piiRole: config.oidcPiiRole,
            requireHttps: config.nodeEnv === 'production',
          }
        : undefined,
  };
}

/** The repository, actions and service over one Prisma client, bus (for replays) and broker admin. */
export function createOps(deps: {
  prisma: PrismaClient;
  bus: Pick<Bus, 'publish'>;
  admin: BrokerAdmin;
  retryDelaysMs: readonly number[];
  /** The notifier's .eml folder, when mail is written as files: erasure deletes the person's. */
  mailDir?: string;
}): {
  repo: DeadLetterRepository;
  actions: DeadLetterActions;
  ops: OpsService;
  identities: IdentityService;
  audit: AuditLog;
  recipients: RecipientsService;
  erasure: ErasureService;
} {
  const repo = new DeadLetterRepository(deps.prisma);
  const actions = new DeadLetterActions(deps.prisma, repo, deps.bus);
  const ops = new OpsService({ repo, actions, admin: deps.admin, retryDelaysMs: deps.retryDelaysMs });
  const identities = new IdentityService(new IdentityRepository(deps.prisma));
  const erasure = new ErasureService({
    prisma: deps.prisma,
    repo,
    publisher: deps.bus,
    mailDir: deps.mailDir,
  });
  return {
    repo,
    actions,
    ops,
    identities,
    audit: new AuditLog(deps.prisma),
    recipients: new RecipientsService(deps.prisma),
    erasure,
  };
}
