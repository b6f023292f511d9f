// DID documents handed over by a job, served to a document loader (did:web needs https and the tests are offline):
// the document itself, or one of its verification methods (listed, or embedded in a relationship) by its id.

export function didDocumentServer(didDocuments) {
  const dids = new Map((didDocuments || []).map(doc => [doc.id, doc]));
  return url => {
    const [did, fragment] = url.split('#');
    const doc = dids.get(did);
    if(!doc) {
      return null;
    }
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(doc)};
    }
    const candidates = [
      ...(doc.verificationMethod || []),
      ...(doc.assertionMethod || []), ...(doc.authentication || [])
    ].filter(vm => typeof vm === 'object');
    const vm = candidates.find(m => m.id === url || did + m.id === url);
    if(!vm) {
      return null;
    }
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': doc['@context'], ...structuredClone(vm), id: url}
    };
  };
}
