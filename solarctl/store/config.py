"""[storage] table."""

from solarctl.strict_model import StrictModel


class StorageConfig(StrictModel):
    # sqlite:///path | mysql+pymysql://user:pw@host/db | postgresql+psycopg://user:pw@host/db
    # Empty: SQLite file `solarctl.db` under [general] data_dir.
    url: str = ""
