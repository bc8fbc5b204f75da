// Shared by run.mjs and trace.mjs: point the e2e harness at make test's trees (it reads these
// variables when imported, so they are set before the dynamic import), and read --flags.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
process.env.LANTERN_RELAY ||= path.join(root, 'build/native/relay/lantern-relay');
process.env.LANTERN_KB ||= path.join(root, 'build/native/kb-bundle/lantern-kb');
process.env.LANTERN_SRC ||= root;
process.env.LANTERN_DIST ||= path.join(root, 'dist/web');

export const harness = await import('../../e2e/harness.mjs');
export const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d; };
