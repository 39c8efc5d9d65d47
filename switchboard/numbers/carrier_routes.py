"""HTTP routes: ``IncomingCarrier/`` and ``OutgoingCarrier/`` (plain HTTP: the Python SDK has neither)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.accounts.auth import AuthContext, authenticate
from switchboard.core.http import API_PREFIX, ClockDep, Session, resource_uri
from switchboard.core.pagination import ListResponse, meta
from switchboard.core.params import Params, body, openapi_body
from switchboard.core.responses import ERROR_RESPONSES, Message, no_content, plivo_response
from switchboard.numbers import carriers
from switchboard.numbers.carriers import (
    CarrierCreated,
    CarrierList,
    IncomingCarrierCreate,
    IncomingCarrierObject,
    IncomingCarrierUpdate,
    OutgoingCarrierCreate,
    OutgoingCarrierObject,
    OutgoingCarrierUpdate,
)
from switchboard.numbers.models import IncomingCarrier, OutgoingCarrier

router = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)

Ctx = Annotated[AuthContext, Depends(authenticate)]


def incoming_json(carrier: IncomingCarrier) -> dict[str, Any]:
    return {
        "carrier_id": carrier.carrier_id,
        "enabled": carrier.enabled,
        "inband_dtmf": carrier.inband_dtmf,
        "ip_set": carrier.ip_set,
        "name": carrier.name,
        "resource_uri": resource_uri(carrier.account_id, "IncomingCarrier", carrier.carrier_id),
        "sms": carrier.sms,
        "voice": carrier.voice,
    }


def outgoing_json(carrier: OutgoingCarrier) -> dict[str, Any]:
    return {
        "address": carrier.address,
        "carrier_id": carrier.carrier_id,
        "failover_address": carrier.failover_address,
        "failover_prefix": carrier.failover_prefix,
        "inband_dtmf": carrier.inband_dtmf,
        "ips": carrier.ips,
        "name": carrier.name,
        "prefix": carrier.prefix,
        "resource_uri": resource_uri(carrier.account_id, "OutgoingCarrier", carrier.carrier_id),
        "retries": carrier.retries,
        "retry_seconds": carrier.retry_seconds,
        "suffix": carrier.suffix,
    }


def _add_routes(
    name: str,
    model: type[IncomingCarrier] | type[OutgoingCarrier],
    create_model: type[Params],
    update_model: type[Params],
    object_model: type[Any],
    shape: Any,
) -> None:
    """The five routes of one carrier resource (``name`` is the path segment and OpenAPI tag)."""
    path = f"/{name}/"
    item = f"/{name}/{{carrier_id}}/"

    @router.post(path, tags=[name], status_code=201, response_model=CarrierCreated, openapi_extra=openapi_body(create_model), summary=f"Create an {name}")
    async def create(ctx: Ctx, session: Session, clock: ClockDep, params: Annotated[create_model, Depends(body(create_model))]) -> Response:  # type: ignore[valid-type]
        carrier = await carriers.create_carrier(session, clock, ctx, model, params)
        return plivo_response({"carrier_id": carrier.carrier_id, "message": "created"}, 201)

    @router.get(path, tags=[name], response_model=ListResponse[object_model], summary=f"List {name}s")  # type: ignore[valid-type]
    async def list_all(request: Request, ctx: Ctx, session: Session, params: Annotated[CarrierList, Query()]) -> Response:
        rows, total = await carriers.list_carriers(session, ctx, model, params)
        filters = params.model_dump(include={"name"}, exclude_none=True)
        return plivo_response(
            {"meta": meta(request.url.path, filters, params.limit, params.offset, total), "objects": [shape(row) for row in rows]}
        )

    @router.get(item, tags=[name], response_model=object_model, summary=f"Get an {name}")
    async def get(ctx: Ctx, session: Session, carrier_id: str) -> Response:
        return plivo_response(shape(await carriers.get_carrier(session, ctx, model, carrier_id)))

    @router.post(item, tags=[name], status_code=202, response_model=Message, openapi_extra=openapi_body(update_model), summary=f"Update an {name}")
    async def update(ctx: Ctx, session: Session, carrier_id: str, changes: Annotated[update_model, Depends(body(update_model))]) -> Response:  # type: ignore[valid-type]
        await carriers.update_carrier(session, ctx, model, carrier_id, changes)
        return plivo_response({"message": "changed"}, 202)

    @router.delete(item, tags=[name], status_code=204, response_class=Response, summary=f"Delete an {name}")
    async def delete(ctx: Ctx, session: Session, carrier_id: str) -> Response:
        await carriers.delete_carrier(session, ctx, model, carrier_id)
        return no_content()

    for function in (create, list_all, get, update, delete):
        function.__name__ = f"{function.__name__}_{name}"


_add_routes("IncomingCarrier", IncomingCarrier, IncomingCarrierCreate, IncomingCarrierUpdate, IncomingCarrierObject, incoming_json)
_add_routes("OutgoingCarrier", OutgoingCarrier, OutgoingCarrierCreate, OutgoingCarrierUpdate, OutgoingCarrierObject, outgoing_json)
