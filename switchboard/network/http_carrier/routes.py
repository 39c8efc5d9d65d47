"""The webhook routes of HTTP carriers: ``POST /carrier/{name}/status`` and ``/carrier/{name}/inbound``.
The signature is checked against the public URL of the route and the connector's auth token;
a bad one is refused with 403 (and counted and logged), never processed."""

from fastapi import APIRouter, Request, Response

from switchboard.network.http_carrier.signature import valid
from switchboard.network.http_carrier.twilio import TwilioCarrier

router = APIRouter(tags=["Carrier webhooks (Switchboard extension)"], include_in_schema=False)


async def _checked(request: Request, name: str, kind: str) -> tuple[TwilioCarrier, dict[str, str]] | Response:
    connector = request.app.state.messaging.pipeline.connectors.connectors.get(name)
    if not isinstance(connector, TwilioCarrier):
        return Response(status_code=404)
    form = await request.form()
    params = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    if not valid(connector.config.auth_token, connector.callback_url(kind), params, request.headers.get("X-Twilio-Signature", "")):
        connector.counters["bad_signatures"] += 1
        connector.note(f"{kind} webhook from {request.client.host if request.client else '?'} refused: bad signature")
        return Response(status_code=403)
    return connector, dict(params)


@router.post("/carrier/{name}/status")
async def carrier_status(request: Request, name: str) -> Response:
    checked = await _checked(request, name, "status")
    if isinstance(checked, Response):
        return checked
    connector, form = checked
    await connector.status_callback(form)
    return Response(status_code=204)


@router.post("/carrier/{name}/inbound")
async def carrier_inbound(request: Request, name: str) -> Response:
    checked = await _checked(request, name, "inbound")
    if isinstance(checked, Response):
        return checked
    connector, form = checked
    await connector.inbound(form)
    return Response(content="<Response/>", media_type="application/xml")
