"""Every service class, for tests that start the whole system."""
from services.accounts.service import AccountsService
from services.declarations.service import DeclarationsService
from services.notify.service import NotifyService
from services.review.service import ReviewService
from services.tenants.service import TenantsService


ALL = (AccountsService, DeclarationsService, TenantsService, ReviewService, NotifyService)
