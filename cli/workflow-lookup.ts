import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';

/** The workflow's description, or undefined when the server has no workflow with that ID. */
export async function describeWorkflow(
  client: Client,
  workflowId: string,
): Promise<WorkflowExecutionDescription | undefined> {
  return client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((err: Error) => {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    });
}
