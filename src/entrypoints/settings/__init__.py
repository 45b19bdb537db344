"""Settings: one typed object, grouped by concern, from PORTICO_* environment variables.

variables.py maps each variable to its group and field; groups.py holds one struct per concern;
model.py gathers them into Settings with the checks across groups; loading.py reads them.
"""

from entrypoints.settings.groups import (
    AuthSettings,
    BusSettings,
    CacheSettings,
    DatabaseSettings,
    EmailSettings,
    HttpSettings,
    LoggingSettings,
    MaintenanceSettings,
    MetricsSettings,
    NotifierSettings,
    OidcSettings,  # [adapter:oidc]
    OutboxSettings,
    PasswordSettings,
    PaymentSettings,
    ProjectionSettings,
    RedisSettings,  # [adapter:redis]
    SocialSettings,
    TenancySettings,
    TracingSettings,
)
from entrypoints.settings.loading import load_settings
from entrypoints.settings.model import Settings, SettingsError
from entrypoints.settings.variables import (
    FILE_SUFFIX,
    PREFIX,
    REMOVED,
    SECRETS,
    VARIABLES,
    env_name,
)

__all__ = [
    "FILE_SUFFIX",
    "PREFIX",
    "REMOVED",
    "SECRETS",
    "VARIABLES",
    "AuthSettings",
    "BusSettings",
    "CacheSettings",
    "DatabaseSettings",
    "EmailSettings",
    "HttpSettings",
    "LoggingSettings",
    "MaintenanceSettings",
    "MetricsSettings",
    "NotifierSettings",
    "OidcSettings",  # [adapter:oidc]
    "OutboxSettings",
    "PasswordSettings",
    "PaymentSettings",
    "ProjectionSettings",
    "RedisSettings",  # [adapter:redis]
    "Settings",
    "SettingsError",
    "SocialSettings",
    "TenancySettings",
    "TracingSettings",
    "env_name",
    "load_settings",
]
