import { EMAIL_DOMAIN_RULE_PATTERN, NOTIFICATION_NAME_PATTERN } from '@identity-relay/contracts';

/** A canonical identity field (`email`, `state`, ...) or `traits.<dotted.path>`. */
export type FieldPath = string;

/**
 * A condition on one identity. Leaves test one field: `equals` a value, is `in` a list of values, or
 * `exists` (present and not null); `emailDomain` tests the domain of a verified address. `all` / `any` / `not`
 * combine conditions.
 */
export type Condition =
  | { field: FieldPath; equals: string | number | boolean }
  | { field: FieldPath; in: Array<string | number | boolean> }
  | { field: FieldPath; exists: boolean }
  /**
   * The email's domain is one of these (`school.edu`, or `*.example.org` for its subdomains) AND the IdP verified
   * the address: anyone can type `x@school.edu`, so an unverified address never matches (nor does its negation
   * with `not`, which would be true for it: write `not` around the domain only together with a verified check).
   */
  | { emailDomain: string | string[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** One subscriber list and who belongs to it. */
export interface ListRule {
  /** The list name that `NotificationRequested.list` refers to. */
  list: string;
  when: Condition;
  /** (default=false) Only identities whose email the IdP marked verified. */
  requireVerifiedEmail?: boolean;
}

/** The rules file: `{ lists: [...] }`, as JSON or YAML. */
export interface RulesFile {
  lists: ListRule[];
}

/** Identity fields a condition may name besides `traits.*`. */
export const IDENTITY_FIELDS = [
  'provider',
  'externalId',
  'email',
  'username',
  'emailVerified',
  'state',
] as const;

const FIELD_PATTERN = `^(?:${IDENTITY_FIELDS.join('|')}|traits(?:\\.[A-Za-z0-9_-]+)+)$`;
const scalar = { type: ['string', 'number', 'boolean'] };
const domainRule = { type: 'string', pattern: EMAIL_DOMAIN_RULE_PATTERN, maxLength: 253 };

/** JSON Schema of the rules file; conditions recurse through `#/definitions/condition` (beyond JSONSchemaType). */
export const rulesFileSchema = {
  $id: 'identity-relay/subscriber-rules',
  type: 'object',
  additionalProperties: false,
  required: ['lists'],
  properties: {
    lists: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['list', 'when'],
        properties: {
          list: { type: 'string', pattern: NOTIFICATION_NAME_PATTERN },
          when: { $ref: '#/definitions/condition' },
          requireVerifiedEmail: { type: 'boolean' },
        },
      },
    },
  },
  definitions: {
    condition: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['emailDomain'],
          properties: {
            emailDomain: {
              anyOf: [domainRule, { type: 'array', minItems: 1, items: domainRule }],
            },
          },
        },
        leaf({ equals: scalar }),
        leaf({ in: { type: 'array', minItems: 1, items: scalar } }),
        leaf({ exists: { type: 'boolean' } }),
        group('all'),
        group('any'),
        {
          type: 'object',
          additionalProperties: false,
          required: ['not'],
          properties: { not: { $ref: '#/definitions/condition' } },
        },
      ],
    },
  },
} as const;

function leaf(test: Record<string, object>): object {
  const [name] = Object.keys(test);
  return {
    type: 'object',
    additionalProperties: false,
    required: ['field', name],
    properties: { field: { type: 'string', pattern: FIELD_PATTERN }, ...test },
  };
}

function group(name: 'all' | 'any'): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: [name],
    properties: { [name]: { type: 'array', minItems: 1, items: { $ref: '#/definitions/condition' } } },
  };
}
