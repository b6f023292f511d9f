"""Settings from the environment (prefix ``MICROCRED_``); passed to ``create_app(settings)``, never global.

Paths given relative (``data_dir``, ``key_file``, ``admin_token_file``) are resolved against the working
directory when the settings are created, so the SQLite file and key files stay put even if a process changes
directory later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from microcred.issuer.credential import EU_CONTEXT_PATH
from microcred.keys import load_or_create_kek, parse_kek
from microcred.vc.errors import ConfigurationError
from microcred.verifier.trust_policy import TrustSource

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything microcred reads from its environment; see the README's settings table."""

    model_config = SettingsConfigDict(
        env_prefix="MICROCRED_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Literal["dev", "production"] = Field(
        default="dev",
        description="`dev` creates local key files on first run; `production` refuses to start without a KEK and a non-SQLite database",
    )
    data_dir: Path = Field(
        default=Path("var"), description="where dev files live (SQLite database, key files, demo API key)"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default `sqlite:///<data_dir>/microcred.db`; PostgreSQL: `postgresql+psycopg://…`",
    )
    host: str = Field(default="127.0.0.1", description="interface both apps listen on")
    issuer_port: int = Field(default=8000, ge=1, le=65535, description="port of the issuer app")
    verifier_port: int = Field(default=8001, ge=1, le=65535, description="port of the verifier app")
    public_base_url: str | None = Field(
        default=None,
        description="public URL of the issuer app; determines the did:web host; default `http://<host>:<issuer_port>`",
    )
    eu_context_url: str | None = Field(
        default=None,
        description="URL of our EU micro-credential context in issued credentials; default "
        "`<public_base_url>/contexts/eu-microcredential/v1.jsonld` (set it to a permanent URL you registered, e.g. "
        "a w3id.org redirect to that path)",
    )
    key_encryption_key: SecretStr | None = Field(
        default=None, description="32 bytes, base64url: seals signing keys at rest; required in production"
    )
    key_file: Path | None = Field(
        default=None, description="dev only: KEK file, created with mode 0600; default `<data_dir>/kek`"
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="bearer token for `/admin/…`; dev: generated into `admin_token_file` if unset; production: admin API off if unset",
    )
    admin_token_file: Path | None = Field(
        default=None, description="dev only: admin token file (0600); default `<data_dir>/admin-token`"
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="request bodies larger than this get 413"
    )
    log_level: str = Field(default="INFO", description="level of the JSON log lines on stderr")
    demo_slug: str = Field(
        default="demo", description="slug of the demo institution `microcred serve --dev` creates"
    )
    demo_name: str = Field(default="Demo University", description="its name")
    demo_url: str = Field(default="https://demo.example", description="its web site")
    demo_country: str = Field(default="IE", description="its country (ISO 3166-1 alpha-2)")
    demo_region: str | None = Field(default="IE-D", description="its region (ISO 3166-2 or NUTS)")

    # --- verifier: outbound fetching, clock skew, policy. Read by app/verification/service.py. ---------
    verifier_clock_skew_seconds: float = Field(
        default=300.0,
        ge=0,
        description="tolerance when comparing validFrom/validUntil (and status list dates) with now",
    )
    verifier_http_hosts: list[str] = Field(
        default_factory=list,
        description="hosts (`host` or `host:port`, JSON list) the verifier may fetch over plain http; dev adds the local issuer",
    )
    verifier_allow_private: list[str] = Field(
        default_factory=list,
        description="host names, addresses or CIDR networks the verifier may reach although not public; dev adds `host`",
    )
    verifier_fetch_max_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="largest DID document, status list or credential URL the verifier reads",
    )
    verifier_fetch_timeout_seconds: float = Field(
        default=5.0, gt=0, description="total time allowed for one outbound fetch, redirects included"
    )
    verifier_cache_max_age_seconds: float = Field(
        default=300.0,
        ge=0,
        description="upper bound on how long fetched DID documents and status lists are cached",
    )
    # Work, fan-out and memory bounds: each hit is reported as a check result, never a hang or a 500.
    verifier_work_seconds: float = Field(
        default=1.0,
        gt=0,
        description="CPU budget of one verification request for JSON-LD processing (run in worker processes that are killed at the budget); past it the proof is reported not checked: too much work",
    )
    verifier_deadline_seconds: float = Field(
        default=10.0,
        gt=0,
        description="total time one verification request may take, fetches included; past it the answer is a 503 problem",
    )
    verifier_workers: int = Field(
        default=2,
        ge=0,
        le=64,
        description="worker processes for JSON-LD processing; 0 runs it in the request's thread (no hard stop)",
    )
    verifier_worker_memory_bytes: int = Field(
        default=1_073_741_824,
        ge=0,
        description="address space each JSON-LD worker process may use (a document needing more is not checked); 0: no cap",
    )
    verifier_max_status_entries: int = Field(
        default=8,
        ge=1,
        description="`credentialStatus` entries checked per credential; more are reported, not fetched",
    )
    verifier_max_proofs: int = Field(
        default=4, ge=1, description="proofs verified per document; a document with more is not checked"
    )
    verifier_max_presentation_credentials: int = Field(
        default=16,
        ge=1,
        description="credentials verified per presentation; a presentation with more is not checked",
    )
    verifier_max_fetches: int = Field(
        default=16,
        ge=1,
        description="outbound fetches (DID documents, status lists, registries) per verification request",
    )
    verifier_max_status_list_bits: int = Field(
        default=16_777_216,
        ge=131_072,
        description="largest status list the verifier expands, in bits (16 Mi bits = 2 MiB in memory)",
    )
    verifier_cache_entries: int = Field(
        default=256, ge=0, description="fetched documents (DID documents, status lists) kept in the cache"
    )
    verifier_cache_bytes: int = Field(
        default=33_554_432,
        ge=0,
        description="bytes of fetched documents and expanded status lists the verifier keeps cached",
    )
    verifier_require_trust: bool = Field(
        default=False, description="policy: `verified` also needs a trust registry to list the issuer"
    )
    verifier_require_eu_complete: bool = Field(
        default=False, description="policy: `verified` also needs every mandatory EU micro-credential element"
    )

    # --- trust registry: which registries the verifier consults. Read by app/verification/service.py. -----
    verifier_trust_registries: list[TrustSource] = Field(
        default_factory=list,
        description='registries the verifier consults, in order (JSON list of `{"type": "microcred" | "file" | "dcc" | "ebsi", "url" or "path", "did", "name", and for ebsi an optional "did_registry"}`, see docs/trust-registry.md); empty: none in production, the demo registry of the local issuer app in dev; whether "not listed" fails a credential is `verifier_require_trust`',
    )

    # --- wallets: OpenID4VCI offers and VC-API exchanges. Read by app/wallets/oid4vci_routes.py, exchanges.py. ---
    wallet_offer_ttl_seconds: int = Field(
        default=86_400,
        ge=60,
        le=30 * 86_400,
        description="how long a wallet offer (its link, pre-authorized code and exchange) can be redeemed",
    )
    wallet_code_ttl_seconds: int = Field(
        default=600,
        ge=60,
        le=3600,
        description="lifetime of a pre-authorized code; fetching the offer (link or QR) again gives a fresh one",
    )
    wallet_token_ttl_seconds: int = Field(
        default=300, ge=30, le=3600, description="lifetime of the access token the pre-authorized code buys"
    )
    wallet_nonce_ttl_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="lifetime of a `c_nonce`, and the oldest `iat` a wallet's key proof may have",
    )

    # --- pages: where the learner page's "verify this credential" link and QR code lead. -------------
    public_verifier_url: str | None = Field(
        default=None,
        description="public URL of the verifier app (learner pages link to it); default `http://<host>:<verifier_port>`",
    )

    # --- status lists: revocation and suspension. Read by app/status/allocation.py, app/status/routes.py.
    status_list_size: int = Field(
        default=131_072,
        ge=8,
        description="entries of each new status list (a multiple of 8); production needs at least 131072, the spec's herd-privacy minimum",
    )
    status_suspension: bool = Field(
        default=False,
        description="credentials also get a suspension entry (then `credentialStatus` is an array, beyond OB 3.0's one entry)",
    )
    status_suspension_institutions: dict[str, bool] = Field(
        default_factory=dict,
        description='per-institution override of `status_suspension`, JSON `{"slug": true}`',
    )
    status_list_ttl_seconds: int = Field(
        default=1,
        ge=0,
        le=86_400,
        description="`ttl` of a published list and its `Cache-Control: max-age`: how long verifiers may reuse a copy",
    )
    status_list_publish_interval_seconds: float = Field(
        default=0.0,
        ge=0,
        le=86_400,
        description="a changed list is re-signed at most this often (0: on the first read after each change); revocation latency = this + ttl",
    )
    status_list_validity_seconds: int = Field(
        default=3600,
        ge=60,
        le=30 * 86_400,
        description="`validUntil` of a signed list is its signing time plus this; re-signed once half has passed",
    )

    # --- rate limits: per client, on the unauthenticated expensive endpoints. Read by app/core/rate_limits.py. ------
    rate_limit_enabled: bool = Field(
        default=True,
        description="per-client rate limits on verification, uploads, OpenID4VCI, exchanges and learner actions (429 with `Retry-After`); see docs/rate-limits.md",
    )
    rate_limit_storage_uri: str = Field(
        default="memory://",
        description="where the counters live ([`limits`](https://limits.readthedocs.io/en/stable/storage.html) storage URI): `memory://` per process; `redis://host:6379` shared by several instances (needs the `redis` package)",
    )
    rate_limit_trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or CIDR networks of reverse proxies (JSON list) whose `X-Forwarded-For` names the client; from anyone else it is ignored",
    )
    rate_limit_verify: str = Field(
        default="300/minute",
        description="verifier: `POST /credentials/verify` and `/presentations/verify` per client (`limits` notation, `;` joins several, e.g. `10/second;120/minute`)",
    )
    rate_limit_upload: str = Field(
        default="120/minute",
        description="verifier: uploads and credential URLs (`POST /verify`, the page's `POST /check`, `GET /?url=`) per client",
    )
    rate_limit_oid4vci: str = Field(
        default="300/minute",
        description="issuer: OpenID4VCI offer, token, nonce and credential endpoints per client",
    )
    rate_limit_exchanges: str = Field(
        default="300/minute", description="issuer: VC-API exchange endpoints (`/exchanges/…`) per client"
    )
    rate_limit_learner: str = Field(
        default="300/minute",
        description="issuer: learner actions (add to a wallet, wallet page, credential and badge downloads, QR code) per client",
    )

    # --- batches: the issuer app finishes pending batches itself (after a restart, a crash, a database outage). --
    batch_resume_interval_seconds: float = Field(
        default=30.0,
        ge=0,
        le=86_400,
        description="the issuer app looks for batches with pending rows at start and then this often, and works them to the end (0: only `microcred worker` does)",
    )

    @field_validator("data_dir", "key_file", "admin_token_file")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @field_validator("eu_context_url")
    @classmethod
    def _context_url(cls, value: str | None) -> str | None:
        # it goes into every credential's @context: a relative or non-web URL could never be resolved
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("eu_context_url must be an absolute https URL")
        return value

    @field_validator("status_list_size")
    @classmethod
    def _list_size(cls, value: int, info: ValidationInfo) -> int:
        if value % 8:
            raise ValueError("status_list_size must be a multiple of 8")
        if info.data.get("mode") == "production" and value < 131_072:
            raise ValueError("status_list_size must be at least 131072 in production (the spec's minimum)")
        return value

    @field_validator(
        "rate_limit_verify",
        "rate_limit_upload",
        "rate_limit_oid4vci",
        "rate_limit_exchanges",
        "rate_limit_learner",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_many(value)  # ValueError names the string it could not read
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use (the dev SQLite file under ``data_dir`` unless set)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'microcred.db'}"

    @property
    def base_url(self) -> str:
        """Public base URL of the issuer app, without a trailing slash."""
        return (self.public_base_url or f"http://{self.host}:{self.issuer_port}").rstrip("/")

    @property
    def eu_context(self) -> str:
        """The URL of our EU context in the credentials this deployment issues (it serves the pinned copy there)."""
        return self.eu_context_url or f"{self.base_url}{EU_CONTEXT_PATH}"

    @property
    def verifier_base_url(self) -> str:
        """Where the verifier app listens."""
        return f"http://{self.host}:{self.verifier_port}"

    @property
    def demo_api_key_file(self) -> Path:
        """Dev only: where ``serve --dev`` writes the demo institution's API key (mode 0600)."""
        return self.data_dir / "demo-api-key"

    @property
    def resolved_key_file(self) -> Path:
        """Dev KEK file."""
        return self.key_file or self.data_dir / "kek"

    @property
    def resolved_admin_token_file(self) -> Path:
        """Dev admin token file."""
        return self.admin_token_file or self.data_dir / "admin-token"

    def validate_for_start(self) -> None:
        """Refuse production settings without a key-encryption key or with SQLite (ConfigurationError)."""
        if self.mode != "production":
            return
        if self.key_encryption_key is None:
            raise ConfigurationError(
                "production mode needs MICROCRED_KEY_ENCRYPTION_KEY (32 bytes, base64url)"
            )
        parse_kek(self.key_encryption_key.get_secret_value())
        if self.database_url is None or self.database_url.startswith("sqlite"):
            raise ConfigurationError(
                "production mode needs MICROCRED_DATABASE_URL pointing at a server database, not SQLite"
            )

    def kek(self) -> bytes:
        """The key-encryption key: from settings, or (dev) from the key file, created 0600 on first use."""
        if self.key_encryption_key is not None:
            return parse_kek(self.key_encryption_key.get_secret_value())
        if self.mode == "production":
            raise ConfigurationError("production mode needs MICROCRED_KEY_ENCRYPTION_KEY")
        return load_or_create_kek(self.resolved_key_file)

    def resolved_admin_token(self) -> str | None:
        """The admin token: from settings, or (dev) from its file, created 0600 on first use; None = admin API off."""
        if self.admin_token is not None:
            token = self.admin_token.get_secret_value()
            if len(token) < 16:
                raise ConfigurationError("MICROCRED_ADMIN_TOKEN must be at least 16 characters")
            return token
        if self.mode == "production":
            return None
        return _read_or_create_secret_file(self.resolved_admin_token_file)


def _read_or_create_secret_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process (the other app) created it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text(encoding="ascii").strip()
