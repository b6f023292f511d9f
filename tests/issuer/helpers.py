"""tests/app still imports the issuance builders from here; it moves to tests.issuer.factories in the same release,
and then this file goes."""

from tests.issuer.factories import DID_KEY as DID_KEY
from tests.issuer.factories import Issuing as Issuing
from tests.issuer.factories import definition as definition
from tests.issuer.factories import issuing as issuing
