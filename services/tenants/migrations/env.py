from services.common.migrations import run_env
from services.tenants.models import Base

run_env(Base.metadata)
