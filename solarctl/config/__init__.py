from solarctl.config.loader import ConfigError, load_config, parse_config, validate_config
from solarctl.config.model import Config

__all__ = ["Config", "ConfigError", "load_config", "parse_config", "validate_config"]
