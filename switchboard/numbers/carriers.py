"""Bring your own carrier: ``IncomingCarrier/`` and ``OutgoingCarrier/``.

An incoming carrier is the set of addresses calls to the account's own numbers arrive from; the
numbers themselves are added with ``POST Number/``. An outgoing carrier is a SIP trunk the
account's outbound calls may leave through. Both belong to the main account (a subaccount's
credentials are refused, as for buying numbers). Deleting an incoming carrier removes the
numbers added with it.
"""

import ipaddress
import re
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.accounts.auth import AuthContext
from switchboard.core.clock import Clock
from switchboard.core.errors import ForbiddenError, NotFoundError
from switchboard.core.ids import new_numeric_id
from switchboard.core.pagination import PageParams, fetch_page
from switchboard.core.params import Params
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier

MAX_IPS = 100
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_DIAL_AFFIX = re.compile(r"^[0-9*#+]{0,32}$")


def _carrier_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("may contain only letters, digits, - and _ (1 to 255 characters)")
    return value


def _ip_set(value: str) -> str:
    """A comma-separated list of IPv4/IPv6 addresses or networks (CIDR), normalised."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ValueError("give at least one IP address")
    if len(items) > MAX_IPS:
        raise ValueError(f"at most {MAX_IPS} addresses")
    normalised: list[str] = []
    for item in items:
        try:
            text = str(ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
        if text not in normalised:
            normalised.append(text)
    return ",".join(normalised)


def _optional_ip_set(value: str) -> str:
    return _ip_set(value) if value.strip() else ""


def _address(value: str) -> str:
    """``host`` or ``host:port`` (host: a name or an IP address; IPv6 in brackets with a port)."""
    text = value.strip()
    if text == "":
        return text
    host, port = text, None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else (None if not rest else "x")
    elif text.count(":") == 1:
        host, port = text.split(":")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{value!r}: the port must be 1 to 65535")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOST.match(host):
            raise ValueError(f"{value!r} is not a host name or IP address (optionally with :port)") from None
    return text


def _dial_affix(value: str) -> str:
    if not _DIAL_AFFIX.match(value):
        raise ValueError("may contain only digits, *, # and + (at most 32)")
    return value


CarrierName = Annotated[str, AfterValidator(_carrier_name)]
IpSet = Annotated[str, AfterValidator(_ip_set)]
OptionalIpSet = Annotated[str, AfterValidator(_optional_ip_set)]
Address = Annotated[str, AfterValidator(_address)]
DialAffix = Annotated[str, AfterValidator(_dial_affix)]


# --- parameters -------------------------------------------------------------------------------


INBAND_DTMF = "Switchboard extra: detect DTMF sent as tones in the audio (for carriers that do not send RFC 4733 events)."


class IncomingCarrierCreate(Params):
    name: CarrierName
    ip_set: IpSet = Field(description="Comma-separated IP addresses (or CIDR networks) calls arrive from.")
    voice: bool = True
    sms: bool = False
    enabled: bool = Field(True, description="Switchboard extra: when false, traffic from the carrier is refused.")
    inband_dtmf: bool = Field(False, description=INBAND_DTMF)


class IncomingCarrierUpdate(Params):
    name: CarrierName | None = None
    ip_set: IpSet | None = Field(None, description="Replaces the whole set.")
    voice: bool | None = None
    sms: bool | None = None
    enabled: bool | None = None
    inband_dtmf: bool | None = Field(None, description=INBAND_DTMF)


class CarrierList(PageParams):
    name: str | None = Field(None, description="Only carriers with exactly this name.")


class OutgoingCarrierCreate(Params):
    name: CarrierName
    address: Address = Field(description="SIP address of the trunk: host or host:port.")
    ips: OptionalIpSet = Field("", description="Comma-separated IP addresses of the trunk.")
    failover_address: Address = ""
    prefix: DialAffix = Field("", description="Dialled before the number.")
    failover_prefix: DialAffix = ""
    suffix: DialAffix = Field("", description="Dialled after the number.")
    retries: int = Field(0, ge=0, le=10)
    retry_seconds: int = Field(0, ge=0, le=3600)
    inband_dtmf: bool = Field(False, description=INBAND_DTMF)


class OutgoingCarrierUpdate(Params):
    name: CarrierName | None = None
    address: Address | None = None
    ips: OptionalIpSet | None = None
    failover_address: Address | None = None
    prefix: DialAffix | None = None
    failover_prefix: DialAffix | None = None
    suffix: DialAffix | None = None
    retries: int | None = Field(None, ge=0, le=10)
    retry_seconds: int | None = Field(None, ge=0, le=3600)
    inband_dtmf: bool | None = Field(None, description=INBAND_DTMF)


class IncomingCarrierObject(BaseModel):
    carrier_id: str
    enabled: bool
    inband_dtmf: bool
    ip_set: str
    name: str
    resource_uri: str
    sms: bool
    voice: bool


class OutgoingCarrierObject(BaseModel):
    address: str
    carrier_id: str
    failover_address: str
    failover_prefix: str
    inband_dtmf: bool
    ips: str
    name: str
    prefix: str
    resource_uri: str
    retries: int
    retry_seconds: int
    suffix: str


class CarrierCreated(BaseModel):
    api_id: str
    carrier_id: str
    message: str


# --- rules ------------------------------------------------------------------------------------

Carrier = TypeVar("Carrier", IncomingCarrier, OutgoingCarrier)


def main_only(ctx: AuthContext) -> None:
    """Carriers belong to the main account: a subaccount's request is refused (403)."""
    if ctx.sub_auth_id is not None:
        raise ForbiddenError(f"carriers belong to the main account; use the credentials of {ctx.main_auth_id}")


async def create_carrier(
    session: AsyncSession, clock: Clock, ctx: AuthContext, model: type[Carrier], params: Params
) -> Carrier:
    main_only(ctx)
    carrier = model(carrier_id=new_numeric_id(14), account_id=ctx.main_auth_id, created=clock.now(), **params.model_dump())
    session.add(carrier)
    await session.commit()
    return carrier


async def list_carriers(
    session: AsyncSession, ctx: AuthContext, model: type[Carrier], params: CarrierList
) -> tuple[list[Carrier], int]:
    main_only(ctx)
    statement = select(model).where(model.account_id == ctx.main_auth_id)
    if params.name is not None:
        statement = statement.where(model.name == params.name)
    return await fetch_page(session, statement.order_by(model.created.desc(), model.carrier_id), params)


async def get_carrier(session: AsyncSession, ctx: AuthContext, model: type[Carrier], carrier_id: str) -> Carrier:
    main_only(ctx)
    carrier = await session.get(model, carrier_id)
    if carrier is None or carrier.account_id != ctx.main_auth_id:
        kind = "incoming" if model is IncomingCarrier else "outgoing"
        raise NotFoundError(f"{kind} carrier {carrier_id} not found")
    return carrier


async def update_carrier(
    session: AsyncSession, ctx: AuthContext, model: type[Carrier], carrier_id: str, changes: Params
) -> Carrier:
    carrier = await get_carrier(session, ctx, model, carrier_id)
    for key, value in changes.model_dump(exclude_none=True).items():
        setattr(carrier, key, value)
    await session.commit()
    return carrier


async def delete_carrier(session: AsyncSession, ctx: AuthContext, model: type[Carrier], carrier_id: str) -> None:
    carrier = await get_carrier(session, ctx, model, carrier_id)
    await session.delete(carrier)
    await session.commit()


async def incoming_carrier_for(session: AsyncSession, address: str) -> IncomingCarrier | None:
    """An enabled incoming carrier whose ``ip_set`` contains ``address`` (for the SIP edge). When
    several accounts list the same address, the dialled number's ``carrier_id`` (see
    ``numbers.service.number_for_routing``) says which account the call is for."""
    ip = ipaddress.ip_address(address)
    for carrier in (await session.scalars(select(IncomingCarrier).where(IncomingCarrier.enabled.is_(True)))).all():
        if any(ip in ipaddress.ip_network(item, strict=False) for item in carrier.ip_set.split(",")):
            return carrier
    return None
