/** Renders infra/helm/identity-relay with the test-side Go template renderer, as `helm template` would. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoPath } from '../repo.js';
import { renderTemplate } from './go-template.js';

export const CHART_DIR = repoPath('infra/helm/identity-relay');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
  /** The template file it came from. */
  source: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge of value overrides (objects merge, everything else replaces), like `--set`/`-f`. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeValues(base[key], value);
  return out;
}

export function defaultValues(): Record<string, unknown> {
  return parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

/** Every manifest the chart renders for these value overrides (NOTES.txt excluded). */
export function renderChart(
  overrides: Record<string, unknown> = {},
  release = 'ir',
  cluster: Record<string, unknown> = {},
): Manifest[] {
  const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const root = {
    Values: mergeValues(defaultValues(), overrides),
    Release: { Name: release, Namespace: 'identity-relay', Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Cluster: cluster,
  };
  const manifests: Manifest[] = [];
  const templates = readdirSync(join(CHART_DIR, 'templates')).filter((f) => f.endsWith('.yaml'));
  for (const file of templates.sort()) {
    const text = renderTemplate(readFileSync(join(CHART_DIR, 'templates', file), 'utf8'), root);
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}\n${text}`);
      const value = doc.toJS() as Manifest | null;
      if (value) manifests.push({ ...value, source: file });
    }
  }
  return manifests;
}

export function renderNotes(): string {
  const root = {
    Values: defaultValues(),
    Release: { Name: 'ir', Namespace: 'identity-relay' },
    Chart: { AppVersion: '0' },
  };
  return renderTemplate(readFileSync(join(CHART_DIR, 'templates', 'NOTES.txt'), 'utf8'), root);
}
