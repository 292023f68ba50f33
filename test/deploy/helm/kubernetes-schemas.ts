/**
 * Kubernetes schema validation, kubeconform-style: each manifest checked against the JSON Schema of
 * its apiVersion/kind, here the validators `kubernetes-models` and `@kubernetes-models/keda` generate
 * from the Kubernetes OpenAPI document and KEDA's CRDs. Like kubeconform without --strict, unknown
 * fields pass; types, enums and required fields do not.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';

type Model = new (data: never) => { validate(): void };

const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'apps/v1/Deployment': Deployment as unknown as Model,
  'batch/v1/Job': Job as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as Model,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject as unknown as Model,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication as unknown as Model,
};

/** Problems with one manifest against its schema, [] when valid; an unknown kind is a problem too. */
export function kubernetesProblems(manifest: { apiVersion: string; kind: string }): string[] {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  const { source: _source, ...data } = manifest as { source?: string };
  try {
    new Model(data as never).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
