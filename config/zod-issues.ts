import type { z } from 'zod';

/** One line per problem, `  <prefix><dotted.path>: message` (`(root)` when the whole value is wrong). */
export function issueLines(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `  ${prefix}${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}
