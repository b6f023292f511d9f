// What DCC's verifier says of our credentials: @digitalcredentials/verifier-core, the library VerifierPlus runs,
// used as it is (its own suites, its own document loader, which fetches contexts it does not bundle).
//
// The test issuer listens on plain http on loopback; did:web always means https. So that the DID document can be
// resolved, this script stands in for a TLS terminator: a request to https://<origin host>/ goes to the same path
// over http. Every other request is refused (the test stays offline), and each URL asked for is reported.
//
// Job: {origin: "http://127.0.0.1:PORT", credentials: [credential, ...]}
// Result: {results: [{log: [{id, valid}], errors}], requested: [url, ...]}

import {readFileSync} from 'node:fs';

const job = JSON.parse(readFileSync(0, 'utf8'));
// the libraries log to the console: stdout carries only the JSON answer
console.log = console.info = console.warn = console.error;
const tls = job.origin.replace(/^http:/, 'https:');
const requested = [];
const network = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  requested.push(url);
  if(url.startsWith(job.origin + '/')) {
    return network(input, init);
  }
  if(url.startsWith(tls + '/')) {
    return network(job.origin + url.slice(tls.length), init);
  }
  return Promise.reject(new TypeError(`offline test: "${url}" is not fetched`));
};
// imported after the stand-in is installed: the libraries take fetch from the global scope when they call it
const {verifyCredential} = await import('@digitalcredentials/verifier-core');

const results = [];
for(const credential of job.credentials) {
  const result = await verifyCredential({credential: structuredClone(credential), knownDIDRegistries: []});
  results.push({
    log: (result.log || []).map(({id, valid}) => ({id, valid})),
    errors: (result.errors || []).map(({name, message}) => ({name, message}))
  });
}
process.stdout.write(JSON.stringify({results, requested: [...new Set(requested)]}));
