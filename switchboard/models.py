"""Every table, imported in one place so that migrations and tests see the whole schema."""

from switchboard.accounts.models import Account, Application, ConsoleUser
from switchboard.billing.models import AutoRecharge, Coupon, LedgerEntry
from switchboard.core.db import Base
from switchboard.endpoints.bindings import SipBinding
from switchboard.endpoints.models import Endpoint
from switchboard.messaging.models import InboundPart, Media, Message, MessageMedia, MessagingSettings, OptOut
from switchboard.network.models import CarrierSegment, ConnectorRow, MessagingRoute
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier, RentedNumber
from switchboard.voice.models import CallRecord
from switchboard.voice.recording.models import Recording
from switchboard.webhooks.models import WebhookAttempt, WebhookNotification

__all__ = ["Base", "Account", "Application", "AutoRecharge", "ConsoleUser", "CallRecord", "Coupon", "LedgerEntry", "CarrierSegment", "ConnectorRow", "MessagingRoute", "Endpoint", "InboundPart", "Media", "Message", "MessageMedia", "MessagingSettings", "OptOut", "IncomingCarrier", "OutgoingCarrier", "Recording", "RentedNumber", "SipBinding", "WebhookAttempt", "WebhookNotification"]
