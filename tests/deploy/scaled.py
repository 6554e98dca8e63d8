"""The declarations and tenants services as the scale test runs them, each
instance in a process of its own (`nameko run`, as in a container): the
real service class, its dependencies set up as in production, with its own
entrypoints switched off and two that record a job in the service's schema:
an RPC, and an event handler (services.common.events) on the durable queue
the service consumes in production."""
import eventlet
from nameko.dependency_providers import Config
from sqlalchemy import text

from services.common import contracts as c
from services.common.entrypoints import rpc
from services.common.events import event_handler
from services.declarations.service import DeclarationsService
from services.tenants.service import TenantsService

INSTANCE = "SCALE_TEST_INSTANCE"
JOB_SECONDS = 0.05

# An event each service consumes in production (contracts.EVENTS).
CONSUMED = {
    c.DECLARATIONS: (c.REVIEW, c.DECLARATION_ADVANCED),
    c.TENANTS: (c.DECLARATIONS, c.DECLARATION_CHANGED),
}


def _without_entrypoints(service_cls):
    """Plain methods in place of the class's entrypoints (nameko finds
    entrypoints by the attribute its decorators set)."""
    return {
        name: (lambda self, *args, **kwargs: None)
        for name in dir(service_cls)
        if getattr(getattr(service_cls, name), "nameko_entrypoints", None)
    }


def scaled(service_cls):
    source, event_type = CONSUMED[service_cls.name]

    def record(self, job_id):
        eventlet.sleep(JOB_SECONDS)  # some work: the burst outlasts an instance's stop
        self.db.session.execute(
            text(
                "INSERT INTO scale_job (job_id, instance) VALUES (:job, :instance) "
                "ON CONFLICT (job_id) DO NOTHING"
            ),
            {"job": job_id, "instance": self.config[INSTANCE]},
        )
        return self.config[INSTANCE]

    def record_job(self, job_id):
        return record(self, job_id)

    def record_event(self, envelope):
        record(self, envelope["data"]["job_id"])

    attributes = _without_entrypoints(service_cls)
    attributes.update(
        config=Config(),
        record_job=rpc(public=True)(record_job),
        record_event=event_handler(source, event_type)(record_event),
    )
    return type(service_cls.__name__, (service_cls,), attributes)


ScaledDeclarations = scaled(DeclarationsService)
ScaledTenants = scaled(TenantsService)
CLASSES = {c.DECLARATIONS: "ScaledDeclarations", c.TENANTS: "ScaledTenants"}
