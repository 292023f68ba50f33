/** Keys of T that are not optional. */
export type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * The `required` list of a schema for T, checked at compile time to name every non-optional key of T.
 * ajv's JSONSchemaType only checks that `required` names keys of T, so a schema that forgot one would
 * still type-check and accept objects without it; routing `required` through here closes that gap.
 * Usage: `required: requiredKeys<Foo>()(['a', 'b'])`.
 */
export function requiredKeys<T>() {
  return <const K extends readonly RequiredKeys<T>[]>(
    keys: K &
      ([RequiredKeys<T>] extends [K[number]] ? unknown : { missing: Exclude<RequiredKeys<T>, K[number]> }),
  ): RequiredKeys<T>[] => [...keys];
}
