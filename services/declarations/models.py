"""Tables of the declarations service."""
from services.common.db import declarative_base

Base = declarative_base()
