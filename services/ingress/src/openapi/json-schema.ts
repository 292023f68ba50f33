type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `nullable: true` (ajv's JSONSchemaType dialect, from OpenAPI 3.0) as JSON Schema 2020-12 spells it. */
function withoutNullable(schema: Record<string, Json>): Record<string, Json> {
  const { nullable, ...rest } = schema;
  if (nullable !== true) return rest;
  if (typeof rest.type === 'string' && rest.type !== 'null') rest.type = [rest.type, 'null'];
  else if (Array.isArray(rest.type) && !rest.type.includes('null')) rest.type = [...rest.type, 'null'];
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) rest.enum = [...rest.enum, null];
  if ('const' in rest && rest.const !== null) {
    rest.enum = [rest.const, null];
    delete rest.const;
  }
  return rest;
}

/**
 * The JSON Schema an OpenAPI 3.1 document embeds for one of the schemas the code validates with. The
 * validation schemas are written in ajv's draft-07 dialect with `nullable`, which OpenAPI 3.1 (JSON Schema
 * 2020-12) dropped: without this, documentation tools would refuse nulls the ingress accepts. Everything
 * else is kept as is, so the document cannot drift from what is validated.
 */
export function toOpenApiSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toOpenApiSchema);
  if (!isObject(schema)) return schema;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(withoutNullable(schema))) {
    if (VALUE_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) out[key] = mapValues(value, toOpenApiSchema);
    else out[key] = toOpenApiSchema(value);
  }
  return out;
}

/** Keywords holding instance values, copied untouched. */
const VALUE_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'required']);
/** Keywords holding a map of name → schema: the names are not keywords (a property may be called `nullable`). */
const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);

function mapValues(obj: Record<string, Json>, f: (v: Json) => Json): Record<string, Json> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}
