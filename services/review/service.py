"""The review service: entrypoints only; the domain logic lives in plain modules."""
from services.common import contracts as c
from services.common import health
from services.common.db import Database
from services.common.entrypoints import Caller, rpc


class ReviewService:
    name = c.REVIEW

    db = Database(c.REVIEW)
    caller = Caller()

    @rpc(public=True)
    def health(self):
        return health.check(self.name, self.db)
