from services.common.migrations import run_env
from services.declarations.models import Base

run_env(Base.metadata)
