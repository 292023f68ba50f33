/** Seed 004's hook request: the client's signup/login request, forwarded as is. */
export interface HookRequest {
  provider: string;
  data: Record<string, unknown>;
}

export const hookRequestSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['provider', 'data'],
  properties: {
    provider: { type: 'string', minLength: 1, maxLength: 128 },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

/** Seed 004's refusal body: shown to the client as is. */
export const hookErrorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'kebab-case, e.g. `domain-not-allowed`, `rate-limited`' },
    message: { type: 'string' },
    detail: {},
  },
} as const;

/** A successful hook: `{roles}` on signup when the policy grants any, `{}` otherwise. */
export const hookResultSchema = {
  type: 'object',
  properties: { roles: { type: 'array', items: { type: 'string' } } },
} as const;
