// Independent Bitstring Status List implementation for the interop tests: @digitalbazaar/vc-bitstring-status-list.
//
// Reads one JSON job on stdin and prints one JSON result on stdout. Offline: JSON-LD contexts come from the
// repository's pinned files (contexts/manifest.json, sha256-checked); DID documents and status list credentials
// come from the job (as fetched from our issuer app).
//
// Job fields:
//   credentials    [credential, ...] whose status is checked with checkStatus (the list credential's proof is
//                  verified with eddsa-rdfc-2022 and its issuer must be the credential's issuer)
//   lists          {url: BitstringStatusListCredential} served at their URLs
//   didDocuments   [DID document, ...]
//   decode         [{encodedList, indices: [i, ...]}] -> getStatus(i) of each decoded list
//   encode         [{length, set: [i, ...]}] -> encodedList of a list made by the library with those bits set
// Result: {"checks": [{verified, statuses: [{purpose, index, status}], error}], "decoded": [[bool, ...]],
//          "encoded": ["u...", ...]}

import {readFileSync} from 'node:fs';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus, createList, decodeList} from '@digitalbazaar/vc-bitstring-status-list';

import {didDocumentServer} from './dids.mjs';
import {pinnedContexts} from './pinned.mjs';

function documentLoader({contexts, lists, didDocuments}) {
  const dids = didDocumentServer(didDocuments);
  return async url => {
    for(const source of [contexts, lists]) {
      if(source.has(url)) {
        return {contextUrl: null, documentUrl: url, document: structuredClone(source.get(url))};
      }
    }
    const served = dids(url);
    if(served) {
      return served;
    }
    throw new Error(`offline document loader: "${url}" is not allowed`);
  };
}

async function main() {
  const job = JSON.parse(readFileSync(0, 'utf8'));
  const loader = documentLoader({
    contexts: pinnedContexts(),
    lists: new Map(Object.entries(job.lists || {})),
    didDocuments: job.didDocuments
  });
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const checks = [];
  for(const credential of job.credentials || []) {
    const result = await checkStatus({
      credential, documentLoader: loader, suite,
      verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
    });
    checks.push({
      verified: result.verified,
      error: result.error ? String(result.error.message || result.error) : null,
      statuses: (result.results || []).map(r => ({
        purpose: r.credentialStatus.statusPurpose,
        index: r.credentialStatus.statusListIndex,
        status: r.status
      }))
    });
  }
  const decoded = [];
  for(const item of job.decode || []) {
    const list = await decodeList({encodedList: item.encodedList});
    decoded.push(item.indices.map(i => list.getStatus(i)));
  }
  const encoded = [];
  for(const item of job.encode || []) {
    const list = await createList({length: item.length});
    item.set.forEach(i => list.setStatus(i, true));
    encoded.push(await list.encode());
  }
  process.stdout.write(JSON.stringify({checks, decoded, encoded}));
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: String(error && error.stack || error)}));
  process.exit(1);
});
