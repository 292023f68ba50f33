// oidc-provider ships no types; the test provider uses a handful of its calls, typed where they are used.
declare module 'oidc-provider';
