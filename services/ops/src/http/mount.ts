import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { compile } from '@identity-relay/contracts';
import { fieldProblems, HttpError, type FieldProblem } from '@identity-relay/runtime';
import { AuthError, type Authenticator, type Principal } from '../auth/authenticator.js';
import { allows, seesPersonalData, type Role } from '../auth/roles.js';
import { searchesPerson } from '../store/filter.js';
import { expressPath, type ApiRoute } from './route-table.js';

/** (default=64kb) Largest JSON body an API route reads. */
const BODY_LIMIT = '64kb';

function bearer(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Authenticates the bearer token and requires `need`; sets `res.locals.principal`. */
function requireRole(authenticate: Authenticator, need: Role): RequestHandler {
  return async (req, res, next) => {
    const principal = await authenticate(bearer(req));
    if (!allows(principal.role, need))
      throw new AuthError(403, `${need} rights required`, { code: 'forbidden' });
    res.locals.principal = principal;
    next();
  };
}

/** Personal data: operators, or readers with the pii grant. */
const personalData: RequestHandler = (_req, res, next) => {
  if (!seesPersonalData((res.locals.principal as Principal).grants))
    throw new AuthError(403, 'personal data: the operator role or the pii grant is required', {
      code: 'forbidden',
    });
  next();
};

/**
 * A search by person (email, external or identity id — `searchesPerson`) is personal data even when its
 * results are masked: whether anything matched says what happened to that person. Dead letters and the audit
 * log take such filters.
 */
export const personSearch: RequestHandler = (req, res, next) => {
  if (!seesPersonalData(principalOf(res).grants) && searchesPerson(req.query as Record<string, unknown>))
    throw new AuthError(403, 'searching by person needs the operator role or the pii grant', {
      code: 'forbidden',
    });
  next();
};

/** The principal of an authenticated route (set by requireRole). */
export const principalOf = (res: Response): Principal => res.locals.principal as Principal;

/** Query values as the services parse them (strings, or arrays of strings for repeated keys). */
export const queryOf = (req: Request): Record<string, unknown> => ({
  ...(req.query as Record<string, unknown>),
});

/**
 * Checks a request against its route's ajv schemas (params, query, body); throws one 400 `invalid_request`
 * naming every invalid field (`#/path/id`, `#/query/limit`, `/dryRun`).
 */
function validator(route: ApiRoute): RequestHandler {
  const params = route.params && compile(route.params);
  const query = route.query && compile(route.query);
  const body = route.body && compile(route.body.schema);
  const required = route.body?.required === true;
  return (req, _res, next) => {
    const errors: FieldProblem[] = [];
    if (params && !params(req.params)) errors.push(...fieldProblems(params.errors, '#/path'));
    if (query && !query(req.query)) errors.push(...fieldProblems(query.errors, '#/query'));
    if (body && req.body === undefined && required)
      errors.push({ pointer: '/', detail: 'a JSON body (Content-Type: application/json) is required' });
    else if (body && req.body !== undefined && !body(req.body)) errors.push(...fieldProblems(body.errors));
    if (errors.length === 0) return next();
    const text = errors.map((e) => `${e.pointer} ${e.detail}`).join('; ');
    throw new HttpError(400, 'invalid_request', `invalid request: ${text}`, { errors });
  };
}

/**
 * Registers one route of the table on `router`: its method and path, then the bearer token and role it
 * needs, the personal-data grant, JSON body parsing (only where a body is defined), validation, and `handlers`.
 */
export function mount(
  router: Router,
  route: ApiRoute,
  deps: { authenticate: Authenticator },
  ...handlers: RequestHandler[]
): void {
  const chain: RequestHandler[] = [];
  if (route.access !== 'public') chain.push(requireRole(deps.authenticate, route.access));
  if (route.personalData) chain.push(personalData);
  if (route.body) chain.push(express.json({ limit: BODY_LIMIT }));
  if (route.params || route.query || route.body) chain.push(validator(route));
  router[route.method](expressPath(route), ...chain, ...handlers);
}
