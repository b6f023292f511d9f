// The repository's pinned JSON-LD contexts (contexts/manifest.json, each file sha256-checked) for the node
// interop scripts (di.mjs, status.mjs): the independent implementations load contexts offline, from the same
// bytes as our loader, and refuse a file that does not match its pin.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const contextsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'microcred', 'contexts');

export function pinnedContexts() {
  const manifest = JSON.parse(readFileSync(join(contextsDir, 'manifest.json'), 'utf8'));
  const documents = new Map();
  for(const entry of manifest.contexts) {
    const bytes = readFileSync(join(contextsDir, 'files', entry.file));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if(digest !== entry.sha256) {
      throw new Error(`context ${entry.file} has sha256 ${digest}, manifest pins ${entry.sha256}`);
    }
    documents.set(entry.url, JSON.parse(bytes.toString('utf8')));
  }
  return documents;
}
