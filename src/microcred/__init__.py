"""microcred: issue and verify EU micro-credentials as Open Badges 3.0 / W3C Verifiable Credentials.

The layers are subpackages, each importing only those below it::

    vc, contexts  <-  keys, suites  <-  issuer, verifier, registry  <-  app  <-  migrations
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("microcred")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
