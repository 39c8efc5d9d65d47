"""The field sweep for messaging: outbound and inbound messages, a medium and the media of an MMS,
as a client fetches them, every key against Plivo's fixture and every value against plivo-go's types."""

from pathlib import Path

from tests import go_sdk_types as go
from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_inbound import inject
from tests.messaging.test_media import upload

# Message fields in the Python fixture that plivo-go's struct lacks are checked against the
# fixture (units, total_rate, error_message, message_*_time). `cloud_rate` and `carrier_rate` are
# in the Go struct but in neither Plivo's message docs nor its fixture: not served.
MESSAGE_UNSERVED = ("cloud_rate", "carrier_rate")
# Plivo's empty value for the 10DLC and DLT fields of messages they do not apply to is null (as
# the number object's `tendlc_campaign_id`); `destination_network` is null when no data names it.
MESSAGE_NULLS = ("tendlc_campaign_id", "tendlc_registration_status", "dlt_entity_id", "dlt_template_id",
                 "dlt_template_category", "destination_network", "powerpack_id", "message_sent_time")
# (`message_sent_time`: an inbound message is never sent)
# The Go struct's `url`, `status`, `status_code` are the upload answer's; Plivo's medium (fixture) has `media_url`.
MEDIA_UNSERVED = ("url", "status", "status_code")


def message(client: RecordingClient, uuid: str) -> dict:
    client.messages.get(uuid)
    body = client.last_json()
    assert_plivo_shape(body, "messageGetResponse", go=go.MESSAGE, unserved=MESSAGE_UNSERVED, nulls=MESSAGE_NULLS)
    return body


def test_outbound_message_fields(client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    domestic = client.messages.create(src=src, dst=handset(), text="hi", url=receiver.url("/s")).message_uuid[0]
    abroad = client.messages.create(src=src, dst="447911123456", text="hi", log="false").message_uuid[0]
    eventually(lambda: len(receiver.at("/s")) == 3)
    body = message(client, domestic)
    assert body["is_domestic"] is True and body["log"] == "true" and body["carrier_fees"] == "0.00000"
    body = message(client, abroad)
    assert body["is_domestic"] is False and body["log"] == "false"
    client.lookup.get("+447911123456")
    assert body["destination_network"] == client.last_json()["carrier"]["name"] != ""
    client.messages.list()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "messageListResponse", go=go.MESSAGE, unserved=(*MESSAGE_UNSERVED, "api_id"),
                           nulls=MESSAGE_NULLS)


def test_inbound_message_fields(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    number = buy(client)
    inject(server, account, "447911123456", number, "hello")
    def received() -> list[dict]:
        client.messages.list(message_direction="inbound")
        return client.last_json()["objects"]

    [item] = eventually(received)
    body = message(client, item["message_uuid"])
    assert body["is_domestic"] is False and body["destination_network"] is None and body["error_code"] is None


def test_media_fields(server: LiveServer, client: RecordingClient, receiver: Receiver, tmp_path: Path) -> None:
    media_id = upload(client, tmp_path)
    client.media.get(media_id)
    assert_plivo_shape(client.last_json(), "mediaGetMediaResponse", go=go.MEDIA, unserved=MEDIA_UNSERVED)
    sent = client.messages.create(src=buy(client), dst=handset(), text="look", type_="mms", media_ids=[media_id],
                                  url=receiver.url("/s")).message_uuid[0]
    eventually(lambda: any(c.params["Status"] == "delivered" for c in receiver.at("/s")))
    message(client, sent)
    client.messages.get(sent).listMedia()
    for item in client.last_json()["objects"]:
        assert_plivo_shape(item, "messageListMediaResponse", {"file_name": "string", "upload_time": "string"},
                           go=go.MESSAGE_MEDIA, unserved=("api_id",))
