/** What every scenario gets from the command line. */
export interface BenchContext {
  /** Directory of this run's service logs (and profiles). */
  runDir: string;
  /** When set, service processes run with `node --cpu-prof` and write profiles here. */
  cpuProfDir?: string;
  /** Seconds of closed-loop HTTP load per server in the ingress scenario. */
  httpSeconds: number;
  /** Messages preloaded for the identity-sync drain. */
  drainMessages: number;
  /** BATCH_SIZE values to sweep in the drain scenario (each with a fifth of the messages); empty = no sweep. */
  sweepBatchSizes: number[];
  /** Extra environment for the batched drain's identity-sync (experiments, e.g. PREFETCH=400). */
  drainEnv: Record<string, string>;
  /** Seconds of paced load in the end-to-end latency scenario. */
  e2eSeconds: number;
  /** Messages per replica count in the scale scenario. */
  scaleMessages: number;
  /** Subscribers of the notifier scenario. */
  notifierSubscribers: number;
  /** Notifier scenario: also send a Liquid-templated notification (per-recipient traits) and report both. */
  notifierTemplates: boolean;
  /** Seconds of sustained load in the memory scenario. */
  memorySeconds: number;
  /** Identities at the Kratos admin-API stand-in in the reconcile scenario. */
  reconcileIdentities: number;
  /** Milliseconds a started service may take to say it is ready (default: startService's). */
  readyTimeoutMs?: number;
  /** Progress lines. */
  log(line: string): void;
}
