"""Settings from the environment and `.env`, validated when a command starts.

Nothing here is read at import time: `load_settings()` is called by each entry point, so tests
build `Settings(...)` with their own values and a bad environment fails one command with a clear
message instead of failing every import.

Two classes, because commands that never talk to Salesforce (`rules check`, `db upgrade`,
`report`) must not require Salesforce settings: `Settings` holds the service's own knobs and
`SalesforceSettings` is loaded only by the commands that connect.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """One or more settings are bad or missing; each problem is a line naming the variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  {p}" for p in problems))


class Role(StrEnum):
    READ = "read"
    ADMIN = "admin"


class ApiKey(BaseModel):
    """An API key and what it may do; the key itself is a secret and never shown."""

    key: SecretStr
    role: Role


def _sql_url(url: str) -> str:
    """Send `postgresql://` URLs to the psycopg 3 driver, which is the one we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg://")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    return url


def _org_id(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) not in (15, 18) or not value.isalnum() or not value.startswith("00D"):
        raise ValueError("must be a 15 or 18 character organization Id starting with 00D")
    return value


class Settings(BaseSettings):
    """The service's own settings (`HANDOFF_*`)."""

    model_config = SettingsConfigDict(
        env_prefix="HANDOFF_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    database_url: Annotated[str, AfterValidator(_sql_url)] = "sqlite:///./handoff.db"
    rules: Path = Path("rules.yaml")
    sync_interval: int = Field(300, ge=0, description="seconds between syncs; 0 turns it off")
    # shadow: decide and record as live would (own round-robin turns), write nothing; compare
    # with what the org did in GET /reports/shadow.
    write_mode: Literal["dry-run", "shadow", "live"] = "dry-run"
    backtest_inline_leads: int = Field(
        20_000, ge=0, description="backtests over more leads run in the background, as a job"
    )
    max_writes_per_run: int = Field(2000, ge=0)
    go_live_after: AwareDatetime | None = None
    org_id: Annotated[str | None, AfterValidator(_org_id)] = None
    api_keys: Annotated[tuple[ApiKey, ...], NoDecode] = ()
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    write_concurrency: int = Field(4, ge=1, le=16)
    lookback_seconds: int = Field(60, ge=0, le=86_400)
    http_timeout: float = Field(30.0, gt=0, le=600)
    lock_lease_seconds: int = Field(120, ge=10, le=3_600)
    pull_batch_size: int = Field(
        2000,
        ge=200,
        le=2000,
        description="records per query page asked of Salesforce (it may send fewer)",
    )
    bulk_threshold: int = Field(
        2000,
        ge=0,
        description="full pulls of an object with more records than this use a Bulk API 2.0 "
        "query job (Salesforce's guidance: about 2,000); 0 turns Bulk off",
    )
    audit_days: int = Field(
        400, ge=1, description="superseded decisions older than this many days are pruned"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    webhook_timeout: float = Field(
        10.0, gt=0, le=120, description="seconds a breach webhook may take to answer"
    )
    outbox_interval: int = Field(
        30, ge=0, description="seconds between deliveries of breach notifications; 0: runs only"
    )
    outbox_max_attempts: int = Field(8, ge=1, le=100)
    webhook_trust_env: bool = Field(
        True,
        description="breach webhooks honour HTTPS_PROXY and SSL_CERT_FILE as httpx does; the "
        "demo turns this off, its receiver being on loopback",
    )
    outbox_backoff_seconds: float = Field(30.0, gt=0, le=3_600)
    secret_key: SecretStr | None = Field(
        None,
        min_length=32,
        description="signs the dashboard's session cookies and encrypts the rotated Salesforce "
        "refresh token in the store; without it a random key is made at start for cookies "
        "(sign-ins do not survive a restart) and the refresh-token mode refuses to run",
    )
    api_budget_percent: float = Field(
        50,
        gt=0,
        le=100,
        description="share of the org's daily API allocation Handoff's own requests may use",
    )
    duplicate_rule_allow_save: bool = Field(
        True,
        description="send Sforce-Duplicate-Rule-Header: allowSave=true with every write",
    )
    shutdown_seconds: float = Field(
        20.0,
        gt=0,
        le=3_600,
        description="at SIGTERM, how long a running sync has to stop at a safe point",
    )

    @field_validator("go_live_after", mode="before")
    @classmethod
    def _naive_is_utc(cls, value: Any) -> Any:
        """A cutoff written without a zone is read as UTC rather than rejected."""
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return value or None

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: Any) -> Any:
        """`HANDOFF_API_KEYS` is `key:role,key:role`; the message never echoes a key."""
        if not isinstance(value, str):
            return value
        keys: list[ApiKey] = []
        for position, item in enumerate(filter(None, (p.strip() for p in value.split(","))), 1):
            key, sep, role = item.rpartition(":")
            if not sep or not key:
                raise ValueError(f"entry {position} is not key:role")
            if role not in (Role.READ, Role.ADMIN):
                raise ValueError(f"entry {position} has role {role!r}; use read or admin")
            if len(key) < 16:
                raise ValueError(f"entry {position}: a key must be at least 16 characters")
            for earlier, known in enumerate(keys, 1):
                if known.key.get_secret_value() == key:
                    raise ValueError(
                        f"entry {position} repeats the key of entry {earlier}: "
                        "each key must be given once, with one role"
                    )
            keys.append(ApiKey(key=SecretStr(key), role=Role(role)))
        return tuple(keys)

    @property
    def live(self) -> bool:
        return self.write_mode == "live"

    @property
    def shadow(self) -> bool:
        return self.write_mode == "shadow"


class AuthMode(StrEnum):
    ACCESS_TOKEN = "access-token"
    REFRESH_TOKEN = "refresh-token"
    JWT_BEARER = "jwt-bearer"
    CLIENT_CREDENTIALS = "client-credentials"
    USERNAME_PASSWORD = "username-password"


# Which variables each mode needs. The first one is the mode's marker: setting it picks the mode.
_MODE_VARIABLES: dict[AuthMode, tuple[str, ...]] = {
    AuthMode.ACCESS_TOKEN: ("access_token", "instance_url"),
    AuthMode.REFRESH_TOKEN: ("refresh_token", "consumer_key"),
    AuthMode.JWT_BEARER: ("private_key_file", "username", "consumer_key"),
    AuthMode.USERNAME_PASSWORD: ("password", "username", "security_token"),
    AuthMode.CLIENT_CREDENTIALS: ("consumer_secret", "consumer_key"),
}


class SalesforceSettings(BaseSettings):
    """How to reach the org (`SF_*`): exactly one auth mode, given in full."""

    model_config = SettingsConfigDict(
        env_prefix="SF_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    instance_url: str | None = None
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    private_key_file: Path | None = None
    domain: str = "login"
    api_version: str = Field("66.0", pattern=r"^\d{2,3}\.0$")
    ca_bundle: Path | None = None

    @field_validator("instance_url")
    @classmethod
    def _instance_url(cls, value: str | None) -> str | None:
        """`https://host`, as Salesforce gives it; anything else fails here, not in a request."""
        if not value:
            return value
        parsed = urlsplit(value)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise ValueError(
                f"{value!r} is not a URL: write the org's address, like https://acme.my.salesforce.com"
            )
        return value

    @model_validator(mode="after")
    def _one_complete_mode(self) -> SalesforceSettings:
        self.mode  # noqa: B018 - resolving the mode is the validation
        return self

    @property
    def mode(self) -> AuthMode:
        """The auth mode these settings select; raises naming what is missing or ambiguous."""
        chosen: list[AuthMode] = [
            mode
            for mode, names in _MODE_VARIABLES.items()
            if mode is not AuthMode.CLIENT_CREDENTIALS and self._is_set(names[0])
        ]
        if len(chosen) > 1:
            names = " and ".join(f"SF_{_MODE_VARIABLES[m][0].upper()}" for m in chosen)
            raise ValueError(f"{names} are both set: choose one Salesforce auth mode")
        if not chosen:
            if self._is_set("consumer_secret") or self._is_set("consumer_key"):
                chosen = [AuthMode.CLIENT_CREDENTIALS]
            elif self._is_set("instance_url"):
                chosen = [AuthMode.ACCESS_TOKEN]
            else:
                raise ValueError(
                    "no Salesforce connection is configured: set SF_ACCESS_TOKEN and "
                    "SF_INSTANCE_URL, or the variables of another auth mode (see the README)"
                )
        mode = chosen[0]
        missing = [f"SF_{n.upper()}" for n in _MODE_VARIABLES[mode] if not self._is_set(n)]
        if missing:
            raise ValueError(f"{mode} mode is missing {', '.join(missing)}")
        if mode is AuthMode.CLIENT_CREDENTIALS and self.domain.lower() in ("login", "test"):
            raise ValueError(
                "client-credentials mode needs SF_DOMAIN set to the org's My Domain "
                "(for example acme.my), not login or test"
            )
        return mode

    def _is_set(self, name: str) -> bool:
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        # An empty security token is legitimate (trusted IP ranges); presence is what counts.
        return value is not None and (value != "" or name == "security_token")


def _problems(error: ValidationError, prefix: str) -> list[str]:
    """One line per problem, naming the environment variable, never echoing a secret."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        location = "_".join(str(part) for part in item["loc"] if isinstance(part, str))
        name = f"{prefix}{location.upper()}" if location else prefix.rstrip("_") + " settings"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Build `Settings` from the environment, `.env` and `overrides`, or raise `SettingsError`."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_problems(error, "HANDOFF_")) from None


def load_salesforce_settings(**overrides: Any) -> SalesforceSettings:
    """Build `SalesforceSettings`, or raise `SettingsError` naming each missing variable."""
    try:
        return SalesforceSettings(**overrides)
    except ValidationError as error:
        raise SettingsError(_problems(error, "SF_")) from None
