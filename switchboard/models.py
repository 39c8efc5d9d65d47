"""Every table, imported in one place so that migrations and tests see the whole schema."""

from switchboard.accounts.models import Account, Application
from switchboard.core.db import Base
from switchboard.endpoints.models import Endpoint
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier, RentedNumber

__all__ = ["Base", "Account", "Application", "Endpoint", "IncomingCarrier", "OutgoingCarrier", "RentedNumber"]
