"""Every table, imported in one place so that migrations and tests see the whole schema."""

from switchboard.accounts.models import Account, Application
from switchboard.core.db import Base

__all__ = ["Base", "Account", "Application"]
