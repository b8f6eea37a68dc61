"""[storage] table."""

from solarctl.config.base import StrictModel


class StorageConfig(StrictModel):
    # sqlite:///path | mysql+pymysql://user:pw@host/db | postgresql+psycopg://user:pw@host/db
    # Empty: SQLite file `solarctl.db` under [general] data_dir.
    url: str = ""
