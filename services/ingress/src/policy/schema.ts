/*
 * The policy file (POLICY_FILE, YAML or JSON) shared by /hooks/pre-signup, /hooks/pre-login and
 * /kratos/validate-registration. Typed by hand with a plain JSON Schema: JSONSchemaType cannot express
 * `string | string[]` alongside optional keys cleanly, and the tests check the schema against examples.
 */
import { EMAIL_DOMAIN_RULE_PATTERN } from '@identity-relay/contracts';

export interface RoleRule {
  /** Roles granted when every condition of `when` holds. */
  grant: string[];
  when?: {
    /** The email's domain: exact (`school.edu`) or `*.example.org` for its subdomains. */
    emailDomain?: string | string[];
    /** Trait values that must match exactly (a list-valued trait matches when it contains the value). */
    trait?: Record<string, string | number | boolean>;
  };
}

export interface Policy {
  email?: {
    /** When non-empty, only these domains may sign up (exact, or `*.example.org` for subdomains). */
    allowDomains?: string[];
    /** These domains never may; checked before `allowDomains`. */
    blockDomains?: string[];
  };
  username?: {
    /** JavaScript regular expression the username must match (anchor it yourself: `^...$`). */
    pattern?: string;
  };
  traits?: {
    /** Traits (or hook `data` keys) that must be present and non-empty. */
    required?: string[];
  };
  roles?: RoleRule[];
}

const domain = { type: 'string', pattern: EMAIL_DOMAIN_RULE_PATTERN, maxLength: 253 };
const name = { type: 'string', minLength: 1, maxLength: 128 };

export const policySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowDomains: { type: 'array', items: domain },
        blockDomains: { type: 'array', items: domain },
      },
    },
    username: {
      type: 'object',
      additionalProperties: false,
      properties: { pattern: { type: 'string', minLength: 1, maxLength: 1000 } },
    },
    traits: {
      type: 'object',
      additionalProperties: false,
      properties: { required: { type: 'array', items: name, uniqueItems: true } },
    },
    roles: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['grant'],
        properties: {
          grant: { type: 'array', items: name, minItems: 1 },
          when: {
            type: 'object',
            additionalProperties: false,
            properties: {
              emailDomain: { anyOf: [domain, { type: 'array', items: domain, minItems: 1 }] },
              trait: {
                type: 'object',
                minProperties: 1,
                additionalProperties: { type: ['string', 'number', 'boolean'] },
              },
            },
          },
        },
      },
    },
  },
} as const;
