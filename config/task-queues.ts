/** Pure naming rules shared by workflows (no env access here: workflow code imports this). */

/** Heavy activities (training, export) poll `<queue>-training`, so extra workers can scale them out. */
export function trainingTaskQueue(baseTaskQueue: string): string {
  return `${baseTaskQueue}-training`;
}
