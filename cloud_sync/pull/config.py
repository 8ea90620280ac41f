"""The consumer's TOML config: the PostgreSQL DSN and the gateways; one readable line if bad."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class ConfigError(Exception):
    """A configuration problem, said in one line for the operator."""


def resolve_secret(ref: str, what: str) -> str:
    """`env:NAME` (an environment variable) or `file:PATH` (the file's first line). A secret
    written into the config itself is refused: configs get copied, pasted and committed."""
    kind, _, where = ref.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where)
        if not value:
            raise ValueError(f"environment variable {where} is not set")
        return value
    if kind == "file" and where:
        try:
            lines = Path(where).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"cannot read {where}: {exc.strerror}") from None
        if not lines or not lines[0].strip():
            raise ValueError(f"{where} is empty")
        return lines[0].strip()
    raise ValueError("write env:VARIABLE or file:PATH, not the secret itself")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gateway(_Section):
    """One gateway's feed: its name (the cursor's key in PostgreSQL), URL and feed key."""

    name: Name
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")]
    key: SecretStr
    # A CA bundle for a gateway whose certificate a private CA signed (HTTPS).
    ca: Path | None = None
    # Ask for gzipped pages: a WAN link gains, a LAN or loopback loses CPU on both ends.
    gzip: bool = True

    @field_validator("key", mode="before")
    @classmethod
    def _key_from_reference(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return resolve_secret(value, "key")

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("ca")
    @classmethod
    def _ca_readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value


class PullConfig(_Section):
    """The whole config file."""

    # A libpq connection string or URL; `env:NAME` / `file:PATH` when it holds a password.
    dsn: SecretStr
    gateways: list[Gateway] = Field(min_length=1)
    # Records per page (the gateway allows 1-5000) and the long-poll wait in seconds (0-30).
    page_limit: int = Field(5000, ge=1, le=5000)
    wait_s: int = Field(20, ge=0, le=30)
    # How often the lag of every gateway is printed and written to cloud_lag.
    report_every_s: float = Field(10.0, gt=0)
    # HTTP timeout for one request beyond the long-poll wait.
    timeout_s: float = Field(30.0, gt=0)
    # The longest pause between retries after errors (doubling from half a second).
    max_backoff_s: float = Field(30.0, gt=0)

    @field_validator("dsn", mode="before")
    @classmethod
    def _dsn_from_reference(cls, value: Any) -> Any:
        if isinstance(value, str) and value.split(":", 1)[0] in ("env", "file"):
            return resolve_secret(value, "dsn")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> PullConfig:
        names = [g.name for g in self.gateways]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"gateway name {name!r} is used twice: each needs its own cursor")
        return self


def _first_error(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{source}: {where}: {msg}{more}"


def load(path: Path) -> PullConfig:
    """Read and check the config file; ConfigError (one line, no secret in it) if it is bad."""
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return PullConfig(**values)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, str(path))) from None
