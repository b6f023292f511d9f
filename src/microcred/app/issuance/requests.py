"""The request bodies of issuing: the VC-API issue request and an award (also the body of a wallet offer).

https://w3c-ccg.github.io/vc-api/#issue-credential
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = ["AwardRequest", "IssueOptions", "IssueRequest", "LearnerIn", "ResultIn"]


class IssueOptions(BaseModel):
    """VC-API issue options; ``cryptosuite`` picks the proof (eddsa-rdfc-2022 by default)."""

    model_config = ConfigDict(extra="forbid")

    cryptosuite: str = "eddsa-rdfc-2022"


class IssueRequest(BaseModel):
    """The VC-API request: an unsigned credential whose achievement may be only ``{"id": <catalogue URL>}``."""

    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any]
    options: IssueOptions = Field(default_factory=IssueOptions)


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class LearnerIn(_Camel):
    """A DID, or a name and e-mail address (hashed into the credential with a per-credential salt)."""

    did: str | None = Field(default=None, max_length=500)
    name: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=320)


class ResultIn(_Camel):
    """The result: grade, ECTS awarded, date of the assessment."""

    grade: str | None = Field(default=None, max_length=100)
    ects_awarded: float | None = Field(default=None, ge=0)
    assessment_date: datetime | None = None


class AwardRequest(_Camel):
    """``POST /achievements/{id}/awards``: who gets the newest version, with what result, valid when."""

    learner: LearnerIn
    result: ResultIn = Field(default_factory=ResultIn)
    awarded_date: datetime | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    cryptosuite: str = "eddsa-rdfc-2022"
