/** Types of infra/process-env.mjs (plain JavaScript so the Docker image's entrypoint runs it without a build). */
export declare const PROCESS_ENV: Readonly<Record<string, Readonly<Record<string, string>>>>;
export declare function processEnvOf(
  service: string,
  inherited?: Record<string, string | undefined>,
): Record<string, string>;
