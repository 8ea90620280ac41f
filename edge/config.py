"""Settings: defaults < TOML file < EDGE_* environment; a bad value is one readable line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def _readable_file(path: Path) -> Path:
    if not path.is_file():
        raise ValueError(f"{path} is not a readable file")
    return path


# A file the service reads at start-up (certificates, credentials): checked when loaded.
ReadableFile = Annotated[Path, AfterValidator(_readable_file)]


class ConfigError(Exception):
    """A configuration problem, said in one line for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MqttConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str = "edge-service"
    password: SecretStr | None = None
    # The broker forces the client id to the username (use_username_as_clientid), so the
    # client id is the username; an explicit other value is a configuration mistake.
    client_id: str = ""
    keepalive_s: int = Field(30, ge=5, le=3600)
    # Topic root: wh/<site>/<kind>/<device>/<evt|cmd|status|err>
    topic_root: str = "wh"

    @model_validator(mode="after")
    def _client_id_is_username(self) -> MqttConfig:
        if not self.client_id:
            self.client_id = self.username
        elif self.client_id != self.username:
            raise ValueError(
                f"client_id {self.client_id!r} is not the username {self.username!r}: the broker"
                " forces the client id to the username; leave client_id out"
            )
        return self


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # HTTPS (PEM files, both or neither): handhelds send badges, PINs and tokens over Wi-Fi.
    tls_certfile: ReadableFile | None = None
    tls_keyfile: ReadableFile | None = None

    @model_validator(mode="after")
    def _both_tls_files(self) -> HttpConfig:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("tls_certfile and tls_keyfile: give both (HTTPS) or neither")
        return self


class CloudNatsConfig(_Section):
    """[cloud.nats]: publish every committed feed record to the site's JetStream leaf node
    (docs/cloud-sync.md, "Over NATS JetStream"); absent = no NATS publisher."""

    url: str = Field("nats://127.0.0.1:4222", pattern=r"^(nats|tls)://[^/@\s]+$")
    # The site's stream and subject on the leaf; empty = FEED_<site> and feed.<site>.
    stream: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,64}$")
    subject: str = Field("", pattern=r"^[A-Za-z0-9_.-]{0,128}$")
    user: str = "edge-service"
    password: SecretStr | None = None  # EDGE_CLOUD__NATS__PASSWORD
    credentials_file: ReadableFile | None = None  # a NATS .creds file (JWT set-ups) instead


class CloudConfig(_Section):
    # Acknowledged feed records older than this are pruned; unacknowledged ones never are.
    retain_acked_days: int = Field(30, ge=0)
    nats: CloudNatsConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_api_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "api_keys" in data:
            raise ValueError(
                "api_keys is gone: name each API client with its roles, e.g. [api.clients.shop]"
                ' roles = ["intake"], and its keys in EDGE_API__CLIENTS__SHOP__KEYS=\'["…"]\''
            )
        return data


# What an API client may do (docs/api.md, "Authentication"): intake = POST /orders,
# carrier = POST /orders/{id}/ship, feed = the cloud feed, metrics = GET /metrics (Prometheus),
# admin = everything a key can do.
Role = Literal["intake", "carrier", "feed", "metrics", "admin"]
ClientName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]


class ApiClientConfig(_Section):
    roles: list[Role] = Field(min_length=1)
    # Several keys allow rotation: the old and the new both work until the old is removed.
    keys: list[SecretStr] = Field(default_factory=list)

    @field_validator("keys")
    @classmethod
    def _usable_keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            text = key.get_secret_value()
            if not text or text != text.strip() or len(text) > 256:
                raise ValueError("a key is 1 to 256 characters without surrounding spaces")
        return keys


class ApiConfig(_Section):
    """Machine clients by name (the shop, the carrier desk, the cloud) and request limits."""

    clients: dict[ClientName, ApiClientConfig] = Field(default_factory=dict)
    # Request bodies: anonymous callers (a login) get little, PUT /api/v1/warehouse the most.
    max_body_kb: int = Field(1024, ge=1, le=1024 * 1024)
    max_anonymous_body_kb: int = Field(16, ge=1, le=1024 * 1024)
    max_warehouse_body_mb: int = Field(64, ge=1, le=4096)

    @model_validator(mode="after")
    def _one_client_per_key(self) -> ApiConfig:
        seen: dict[str, str] = {}
        for name, client in self.clients.items():
            for key in client.keys:
                other = seen.setdefault(key.get_secret_value(), name)
                if other != name:
                    raise ValueError(f"clients: {other} and {name} share a key; give each its own")
        return self


class PickingConfig(_Section):
    totes_per_cart: int = Field(4, ge=1, le=16)
    walking_speed_dm_s: int = Field(12, ge=1)  # 1.2 m/s with a cart
    seconds_per_pick: int = Field(12, ge=0)


class WeighingConfig(_Section):
    # The smallest tolerance, whatever the statistics say (scale drift, tape, labels).
    floor_g: int = Field(20, ge=0)
    box_tare_sd_g: int = Field(5, ge=0)


class StaffConfig(_Section):
    # People's web sessions end when idle this long (a request or a live stream is use)...
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    # ... and this long after login whatever happens.
    session_max_hours: int = Field(12, ge=1, le=7 * 24)
    # After this many failed logins in a row a badge (and a device) is locked out for
    # lockout_base_s after its last failure, doubling with each further one up to lockout_max_s.
    login_max_failures: int = Field(5, ge=1, le=100)
    lockout_base_s: int = Field(30, ge=1)
    lockout_max_s: int = Field(15 * 60, ge=1)


class Settings(BaseSettings):
    """Everything the service needs to start; see deploy/edge.example.toml."""

    model_config = SettingsConfigDict(
        env_prefix="EDGE_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    site: str = Field("demo", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    data_dir: Path = Path("data")
    database: str = "edge.db"  # relative to data_dir unless absolute
    warehouse_file: str = "demo"  # "demo" = the shipped demo warehouse
    mqtt: MqttConfig = MqttConfig()
    http: HttpConfig = HttpConfig()
    api: ApiConfig = ApiConfig()
    cloud: CloudConfig = CloudConfig()
    picking: PickingConfig = PickingConfig()
    weighing: WeighingConfig = WeighingConfig()
    staff: StaffConfig = StaffConfig()

    @property
    def database_path(self) -> Path:
        path = Path(self.database)
        return path if path.is_absolute() else self.data_dir / path

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment wins over the file (passed as init kwargs), the file over defaults.
        return (env_settings, init_settings)


def _first_error(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{source}: {where}: {err['msg']}{more}"


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from an optional TOML file, the environment and explicit overrides."""
    values: dict[str, Any] = {}
    source = "environment"
    if path is not None:
        source = str(path)
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc, source)) from None
