/** The project's workflows plus a stand-in `retrainWorkflow` the monitor tests control (test bundle only). */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import {
  driftEvidenceSignal,
  type DriftEvidence,
  type RetrainInput,
  type RetrainResult,
} from '../../workflows/retrain-defs';

export * from '../../workflows';

export const finishRetrainSignal = defineSignal<[RetrainResult['outcome']]>('finishRetrain');
export const evidenceQuery = defineQuery<DriftEvidence[]>('evidence');

/** Records the drift evidence it is sent and finishes when told to, with the outcome it is told. */
export async function retrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const evidence: DriftEvidence[] = [input.trigger];
  let outcome: RetrainResult['outcome'] | undefined;
  setHandler(driftEvidenceSignal, (e) => void evidence.push(e));
  setHandler(evidenceQuery, () => evidence);
  setHandler(finishRetrainSignal, (o) => void (outcome = o));
  await condition(() => outcome !== undefined);
  return {
    modelName: input.modelName,
    outcome: outcome!,
    championVersion: input.championVersion,
    servingVersion: input.championVersion,
    metric: 'validationMse',
    champion: {},
    evidence: evidence.length,
    reason: 'test stand-in',
  };
}
