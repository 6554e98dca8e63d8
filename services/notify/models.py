"""Tables of the notify service."""
from services.common.db import declarative_base

Base = declarative_base()
