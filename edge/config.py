"""Settings: defaults < TOML file < EDGE_* environment; a bad value is one readable line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class ConfigError(Exception):
    """A configuration problem, said in one line for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MqttConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str = "edge-service"
    password: SecretStr | None = None
    client_id: str = "edge-service"
    keepalive_s: int = Field(30, ge=5, le=3600)
    # Topic root: wh/<site>/<kind>/<device>/<evt|cmd|status|err>
    topic_root: str = "wh"


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)


class CloudConfig(_Section):
    # Keys the cloud backend (and the shop's order intake) present in X-API-Key.
    api_keys: list[SecretStr] = Field(default_factory=list)
    # Acknowledged feed records older than this are pruned; unacknowledged ones never are.
    retain_acked_days: int = Field(30, ge=0)


class PickingConfig(_Section):
    totes_per_cart: int = Field(4, ge=1, le=16)
    walking_speed_dm_s: int = Field(12, ge=1)  # 1.2 m/s with a cart
    seconds_per_pick: int = Field(12, ge=0)


class WeighingConfig(_Section):
    # The smallest tolerance, whatever the statistics say (scale drift, tape, labels).
    floor_g: int = Field(20, ge=0)
    box_tare_sd_g: int = Field(5, ge=0)


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
    cloud: CloudConfig = CloudConfig()
    picking: PickingConfig = PickingConfig()
    weighing: WeighingConfig = WeighingConfig()

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
