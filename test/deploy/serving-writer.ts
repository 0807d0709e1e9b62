/** A separate process promoting versions of one model: `serving-writer.ts <registry root> <model> <tag> <count>`. */
import { FileRegistry } from '../../stores/registry';

async function main(): Promise<void> {
  const [root, name, tag, count] = process.argv.slice(2);
  const registry = new FileRegistry(root);
  for (let i = 0; i < Number(count); i++) {
    await registry.setServing(name, { version: i + 1, endpoint: 'http://127.0.0.1:1', workflowId: `${tag}/${i}` });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
