// Independent Data Integrity implementation for the interop tests and benchmarks (Digital Bazaar's libraries).
//
// Reads one JSON job on stdin and prints one JSON result on stdout. Everything is offline: JSON-LD contexts come
// from the repository's pinned files (contexts/manifest.json, sha256-checked), DID documents from the job.
//
// Job fields:
//   action         "sign" | "verify" | "canonize" | "bench"
//   suite          "eddsa-rdfc-2022" (default) | "eddsa-jcs-2022" | "Ed25519Signature2020" |
//                  "Ed25519Signature2018" | "ecdsa-rdfc-2019" (P-256 / P-384 Multikey) |
//                  "ecdsa-sd-2023" (base proof, P-256; mandatoryPointers)
//   derive         action "derive": an ecdsa-sd-2023 derived proof of a base-signed document (selectivePointers)
//   kind           "credential" (default, @digitalbazaar/vc issue/verifyCredential, which also requires the
//                  issuer to be the key's controller) | "presentation" (vc.signPresentation / vc.verify with
//                  challenge and domain) | "document" (jsonld-signatures verify, assertionMethod only)
//   document       the credential or presentation (unsigned for sign, signed for verify)
//   seed           hex of the 32-byte Ed25519 seed (sign, bench sign)
//   publicKeyMultibase, secretKeyMultibase   the ECDSA Multikey pair (sign with ecdsa-rdfc-2019)
//   verificationMethod, controller   the key's VM id and controller DID (sign)
//   created        proof "created" (ISO 8601, sign)
//   challenge, domain                 presentations
//   didDocuments   [DID document, ...] served to the verifier by the document loader
//   extraContexts  {url: context} test-only contexts (e.g. the W3C examples context)
//   op, count      bench: repeat "sign" or "verify" count times and report the elapsed time
//   jobs           batch: a list of jobs run in this one process (saves node start-up per job)
// Results: sign -> {"document": signed}; verify -> {"verified": bool, "errors": [...]};
//          canonize -> {"nquads": "..."}; bench -> {"op", "count", "seconds", "perSecond"};
//          batch -> {"results": [result or {"error": message}, ...]}.
// Errors -> {"error": message} and exit code 1 (in a batch, per job).
//
// Benchmarks (bench/) reuse this script: `node tests/interop/di.mjs < job.json` with action "bench".

import {readFileSync} from 'node:fs';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import {Ed25519Signature2018} from '@digitalbazaar/ed25519-signature-2018';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2018} from '@digitalbazaar/ed25519-verification-key-2018';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import jsonld from 'jsonld';

import {didDocumentServer} from './dids.mjs';
import {pinnedContexts} from './pinned.mjs';

function documentLoader({contexts, didDocuments}) {
  const dids = didDocumentServer(didDocuments);
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    const served = dids(url);
    if(served) {
      return served;
    }
    throw new Error(`offline document loader: "${url}" is not allowed`);
  };
}

async function signingSuite(job) {
  const date = job.created ? new Date(job.created) : undefined;
  const ids = {id: job.verificationMethod, controller: job.controller};
  if(job.suite === 'ecdsa-rdfc-2019' || job.suite === 'ecdsa-sd-2023') {
    const keyPair = await EcdsaMultikey.from({
      type: 'Multikey', publicKeyMultibase: job.publicKeyMultibase,
      secretKeyMultibase: job.secretKeyMultibase, ...ids
    });
    const cryptosuite = job.suite === 'ecdsa-sd-2023' ?
      ecdsaSd2023.createSignCryptosuite({mandatoryPointers: job.mandatoryPointers || []}) : ecdsaRdfc2019;
    return new DataIntegrityProof({signer: keyPair.signer(), cryptosuite, date});
  }
  const seed = Uint8Array.from(Buffer.from(job.seed, 'hex'));
  if(job.suite === 'Ed25519Signature2018') {
    const key = await Ed25519VerificationKey2018.generate({seed, ...ids});
    return new Ed25519Signature2018({key, date});
  }
  if(job.suite === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate({seed, ...ids});
    return new Ed25519Signature2020({key, date});
  }
  const keyPair = await Ed25519Multikey.generate({seed, ...ids});
  const cryptosuite = job.suite === 'eddsa-jcs-2022' ?
    eddsaJcs2022.createSignCryptosuite() : eddsaRdfc2022;
  return new DataIntegrityProof({signer: keyPair.signer(), cryptosuite, date});
}

function verifyingSuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: eddsaJcs2022.createVerifyCryptosuite()}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019}),
    new DataIntegrityProof({cryptosuite: ecdsaSd2023.createVerifyCryptosuite()}),
    new Ed25519Signature2020(),
    new Ed25519Signature2018()
  ];
}

async function sign(job, loader) {
  const suite = await signingSuite(job);
  const document = structuredClone(job.document);
  if(job.kind === 'presentation') {
    return vc.signPresentation({
      presentation: document, suite, challenge: job.challenge, domain: job.domain, documentLoader: loader
    });
  }
  return vc.issue({credential: document, suite, documentLoader: loader});
}

function errorsOf(result) {
  const errors = [];
  const visit = value => {
    if(!value || typeof value !== 'object') {
      return;
    }
    if(value.error) {
      const list = Array.isArray(value.error) ? value.error : [value.error];
      for(const e of list) {
        errors.push(String(e && (e.message || e.name) || e));
        if(e && e.errors) {
          e.errors.forEach(inner => errors.push(String(inner.message || inner)));
        }
      }
    }
    for(const key of ['results', 'credentialResults', 'presentationResult']) {
      const inner = value[key];
      if(Array.isArray(inner)) {
        inner.forEach(visit);
      } else if(inner) {
        visit(inner);
      }
    }
  };
  visit(result);
  return errors;
}

async function verify(job, loader) {
  const suite = verifyingSuites();
  const document = structuredClone(job.document);
  if(job.kind === 'document') {
    const purpose = new jsigs.purposes.AssertionProofPurpose();
    const result = await jsigs.verify(document, {suite, purpose, documentLoader: loader});
    return {verified: result.verified === true, errors: errorsOf(result)};
  }
  const result = job.kind === 'presentation' ?
    await vc.verify({
      presentation: document, suite, challenge: job.challenge, domain: job.domain, documentLoader: loader
    }) :
    await vc.verifyCredential({credential: document, suite, documentLoader: loader});
  return {verified: result.verified === true, errors: errorsOf(result)};
}

async function derive(job, loader) {
  const cryptosuite = ecdsaSd2023.createDiscloseCryptosuite({selectivePointers: job.selectivePointers || []});
  const suite = new DataIntegrityProof({cryptosuite});
  return jsigs.derive(structuredClone(job.document), {
    suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader: loader
  });
}

async function canonize(job, loader) {
  const nquads = await jsonld.canonize(job.document, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe: true, base: null
  });
  return {nquads};
}

async function bench(job, loader) {
  const op = job.op === 'verify' ? verify : sign;
  const count = Number(job.count || 100);
  await op(job, loader);  // warm up (context processing, caches)
  const started = process.hrtime.bigint();
  for(let i = 0; i < count; i++) {
    await op(job, loader);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {op: job.op === 'verify' ? 'verify' : 'sign', count, seconds, perSecond: count / seconds};
}

async function run(job, pinned) {
  const contexts = new Map(pinned);
  for(const [url, document] of Object.entries(job.extraContexts || {})) {
    contexts.set(url, document);
  }
  const loader = documentLoader({contexts, didDocuments: job.didDocuments});
  const actions = {sign, verify, derive, canonize, bench};
  const action = actions[job.action];
  if(!action) {
    throw new Error(`unknown action ${JSON.stringify(job.action)}`);
  }
  const result = await action(job, loader);
  return job.action === 'sign' || job.action === 'derive' ? {document: result} : result;
}

async function main() {
  const job = JSON.parse(readFileSync(0, 'utf8'));
  const pinned = pinnedContexts();
  let result;
  if(job.action === 'batch') {
    const results = [];
    for(const inner of job.jobs) {
      try {
        results.push(await run(inner, pinned));
      } catch(error) {
        results.push({error: String(error && error.message || error)});
      }
    }
    result = {results};
  } else {
    result = await run(job, pinned);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch(error => {
  process.stdout.write(JSON.stringify({error: String(error && error.stack || error)}) + '\n');
  process.exitCode = 1;
});
