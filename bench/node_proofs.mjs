// Node side of bench/proofs.py: @digitalbazaar/vc + DataIntegrityProof/eddsa-rdfc-2022 issue and verify
// rates on the same OB3 credential, single process, offline (contexts from contexts/files, did:key in memory).
// Uses the packages installed from tests/interop/package-lock.json.
//
// usage: node bench/node_proofs.mjs <credential.json> <seconds>
// The credential's issuer must be the did:key of the 32-byte seed 00 01 02 ... 1f (the key used here).
// prints one JSON line: {"sign_per_s": ..., "verify_per_s": ..., "versions": {...}}
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const interop = join(root, 'tests', 'interop');
const require = createRequire(join(interop, 'package.json'));
const load = async name => import(pathToFileURL(require.resolve(name)).href);
const version = name => JSON.parse(readFileSync(join(interop, 'node_modules', name, 'package.json'))).version;

const vc = await load('@digitalbazaar/vc');
const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
const {cryptosuite: eddsaRdfc2022CryptoSuite} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const Ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');

const [credentialPath, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 3);
const credential = JSON.parse(readFileSync(credentialPath, 'utf8'));

const {pinnedContexts} = await import(pathToFileURL(join(interop, 'pinned.mjs')).href);
const contexts = pinnedContexts();

const seed = new Uint8Array(32).map((_, i) => i);
const keyPair = await Ed25519Multikey.generate({seed});
const {publicKeyMultibase} = keyPair;
const did = `did:key:${publicKeyMultibase}`;
keyPair.id = `${did}#${publicKeyMultibase}`;
keyPair.controller = did;
const method = {
  '@context': 'https://w3id.org/security/multikey/v1',
  id: keyPair.id, type: 'Multikey', controller: did, publicKeyMultibase,
};
const didDocument = {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: did, verificationMethod: [method], assertionMethod: [keyPair.id], authentication: [keyPair.id],
};

const documentLoader = async url => {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url === did) {
    return {contextUrl: null, documentUrl: url, document: didDocument};
  }
  if(url === keyPair.id) {
    return {contextUrl: null, documentUrl: url, document: method};
  }
  throw new Error(`offline loader: ${url} is not allowed`);
};

const signSuite = () => new DataIntegrityProof({
  signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite, date: '2026-06-30T12:00:00Z',
});
const verifySuite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

const issue = async () => vc.issue({credential: structuredClone(credential), suite: signSuite(), documentLoader});
// Status lists are not fetched on either side of the benchmark.
const checkStatus = async () => ({verified: true});
const check = async signed => vc.verifyCredential({
  credential: signed, suite: verifySuite, documentLoader, checkStatus,
});

// operations per CPU second of this process (user + system), like bench/proofs.py
const cpuSeconds = () => {
  const {user, system} = process.cpuUsage();
  return (user + system) / 1e6;
};

async function rate(fn) {
  for(let i = 0; i < 20; i++) {
    await fn();
  }
  let n = 0;
  const start = cpuSeconds();
  let elapsed = 0;
  while(elapsed < seconds) {
    await fn();
    n++;
    elapsed = cpuSeconds() - start;
  }
  return n / elapsed;
}

const signed = await issue();
const result = await check(signed);
if(!result.verified) {
  console.error(result.error?.errors ?? result.error, JSON.stringify(result.results?.[0]?.error ?? {}, null, 1));
  throw new Error(`node could not verify its own credential: ${result.error}`);
}
const signPerS = await rate(issue);
const verifyPerS = await rate(() => check(signed));
console.log(JSON.stringify({
  sign_per_s: signPerS,
  verify_per_s: verifyPerS,
  signed,
  versions: {
    node: process.version,
    '@digitalbazaar/vc': version('@digitalbazaar/vc'),
    '@digitalbazaar/eddsa-rdfc-2022-cryptosuite': version('@digitalbazaar/eddsa-rdfc-2022-cryptosuite'),
    jsonld: version('jsonld'),
    'rdf-canonize': version('rdf-canonize'),
  },
}));
