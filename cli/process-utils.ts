import { WorkflowFailedError } from '@temporalio/client';

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForInterrupt(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
      resolve(signal);
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** The innermost cause of a failed workflow: the activity's own message, with its type. */
export function failureMessage(err: WorkflowFailedError): string {
  let cause: Error | undefined = err;
  while (cause?.cause instanceof Error) cause = cause.cause;
  const type = (cause as { type?: string } | undefined)?.type;
  return `${type ? `[${type}] ` : ''}${cause?.message ?? err.message}`;
}
