"""MMS and Media/: upload through the SDK, list, get; MMS with media_urls and media_ids; the
media of a message; media URLs that fail; MMS from simulated phones and between two numbers."""

from pathlib import Path

import httpx
import plivo
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
from tests.messaging.test_inbound import number_with_app
from tests.messaging.test_send import finals, phone_log

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def upload(client: RecordingClient, tmp_path: Path) -> str:
    path = tmp_path / "picture.png"
    path.write_bytes(PNG)
    response = client.media.upload([str(path)])  # the SDK sends uploads outside its session: read the result
    [item] = response["objects"]
    assert item["status"] == "success" and item["size"] == len(PNG) and item["status_code"] == 201
    return item["media_id"]


def test_upload_list_get_media(server: LiveServer, client: RecordingClient, tmp_path: Path) -> None:
    media_id = upload(client, tmp_path)
    client.media.get(media_id)
    got = client.last_json()
    assert_plivo_shape(got, "mediaGetMediaResponse")
    assert got["content_type"] == "image/png" and got["file_name"] == "picture.png" and got["size"] == len(PNG)
    assert httpx.get(got["media_url"]).content == PNG
    client.media.list(limit=5, offset=0)
    listed = client.last_json()
    assert listed["meta"]["total_count"] == 1 and listed["objects"][0]["media_id"] == media_id
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.media.get("00000000-0000-4000-8000-000000000000")


def test_mms_with_media_ids_and_urls(server: LiveServer, account: MainAccount, client: RecordingClient,
                                     receiver: Receiver, tmp_path: Path) -> None:
    media_id = upload(client, tmp_path)
    receiver.files["/cat.gif"] = (b"GIF89a" + b"\x00" * 500, "image/gif")
    src, phone = buy(client), handset()
    response = client.messages.create(src=src, dst=phone, text="look", type_="mms", media_ids=[media_id],
                                      media_urls=[receiver.url("/cat.gif")], url=receiver.url("/status"))
    [uuid] = response.message_uuid
    eventually(lambda: finals(receiver).get(uuid) == "delivered")
    message = client.messages.get(uuid)
    assert message.message_type == "mms" and message.units == 1 and message.total_rate == "0.02000"
    client.messages.get(uuid).listMedia()
    media = client.last_json()
    assert_plivo_shape(media, "messageListMediaResponse", extra=("file_name", "upload_time"))
    assert [item["content_type"] for item in media["objects"]] == ["image/png", "image/gif"]
    assert media["objects"][0]["media_id"] == media_id
    event = next(e for e in phone_log(server, account, phone) if e.get("message_uuid") == uuid)
    assert event["type"] == "mms" and len(event["media_urls"]) == 2
    assert httpx.get(event["media_urls"][1]).content.startswith(b"GIF89a")


def test_bad_media(server: LiveServer, account: MainAccount, client: RecordingClient, receiver: Receiver) -> None:
    src = buy(client)
    receiver.files["/huge.png"] = (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024 + 10), "image/png")
    receiver.files["/page.html"] = (b"<html></html>", "application/x-msdownload")

    def error(**body: object) -> str:
        with server.http(account) as http:
            response = http.post(f"/v1/Account/{account.auth_id}/Message/", json={"src": src, "dst": handset(), "type": "mms", **body})
        assert response.status_code == 400, response.text
        return response.json()["error"]

    assert "404" in error(media_urls=[receiver.url("/missing.png")])
    assert "error 120" in error(media_urls=[receiver.url("/huge.png")])
    assert "cannot be sent" in error(media_urls=[receiver.url("/page.html")])
    assert "at most 10" in error(media_urls=[receiver.url(f"/missing{i}.png") for i in range(11)])
    assert "needs media_urls" in error(text="no media")
    assert "no media" in error(media_ids=["00000000-0000-4000-8000-000000000000"])
    assert "US and Canadian" in error(dst="447700900123", media_urls=[receiver.url("/huge.png")])
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Media/", files={"file": ("big.png", b"0" * (2 * 1024 * 1024 + 1), "image/png")})
        assert response.status_code == 400
        assert http.post(f"/v1/Account/{account.auth_id}/Media/", json={}).status_code == 400


def sim_mms(server: LiveServer, account: MainAccount, **body: object) -> httpx.Response:
    with server.http(account) as http:
        return http.post("/_sim/messages", json=body)


def test_a_phone_sends_an_mms_and_the_app_forwards_its_picture(server: LiveServer, account: MainAccount,
                                                               client: RecordingClient, receiver: Receiver) -> None:
    """Both directions through the simulated carrier: a handset's MMS reaches the application with
    Plivo's inbound MMS parameters and stored media; the application sends the picture on to another
    handset, whose log shows the media URLs."""
    phone, friend = handset(), handset()
    number = number_with_app(client, receiver)
    receiver.files["/selfie.gif"] = (b"GIF89a" + b"\x01" * 300, "image/gif")
    receiver.files["/note.txt"] = (b"see you at eight", "text/plain")
    sent = sim_mms(server, account, **{"from": phone, "to": number, "text": "look at this",
                                       "media_urls": [receiver.url("/selfie.gif"), receiver.url("/missing.png"),
                                                      receiver.url("/note.txt")]})
    assert sent.status_code == 202, sent.text
    assert sent.json()["type"] == "mms" and sent.json()["units"] == 1
    [posted] = eventually(lambda: receiver.at("/incoming"))
    params = posted.params
    assert posted.signature_ok and params["Type"] == "mms" and params["Body"] == "look at this" and "Text" not in params
    assert params["MediaCount"] == "2" and params["Units"] == "1"  # the medium that answered 404 is left out
    assert httpx.get(params["Media1"]).content.startswith(b"GIF89a")
    assert httpx.get(params["Media2"]).content == b"see you at eight"
    [sent_event] = [e for e in phone_log(server, account, phone) if e["kind"] == "sms_sent"]
    assert sent_event["type"] == "mms" and sent_event["to"] == number and len(sent_event["media_urls"]) == 3

    inbound = client.messages.get(params["MessageUUID"])
    assert inbound.message_type == "mms" and inbound.message_direction == "inbound"
    client.messages.get(params["MessageUUID"]).listMedia()
    media = client.last_json()["objects"]
    assert [item["content_type"] for item in media] == ["image/gif", "text/plain"]
    assert [item["media_url"] for item in media] == [params["Media1"], params["Media2"]]
    assert client.media.get(media[0]["media_id"]).file_name == "selfie.gif"  # owned by the receiving account

    [forwarded] = client.messages.create(src=number, dst=friend, text="from your friend", type_="mms",
                                         media_ids=[media[0]["media_id"]], url=receiver.url("/status")).message_uuid
    eventually(lambda: finals(receiver).get(forwarded) == "delivered")
    [received] = [e for e in phone_log(server, account, friend) if e["kind"] == "sms"]
    assert received["type"] == "mms" and received["text"] == "from your friend" and len(received["media_urls"]) == 1
    assert httpx.get(received["media_urls"][0]).content.startswith(b"GIF89a")


def test_an_mms_between_two_switchboard_numbers_keeps_its_media(account: MainAccount, client: RecordingClient,
                                                               receiver: Receiver, tmp_path: Path) -> None:
    target = number_with_app(client, receiver)
    [uuid] = client.messages.create(src=buy(client), dst=target, text="", type_="mms",
                                    media_ids=[upload(client, tmp_path)]).message_uuid
    [posted] = eventually(lambda: receiver.at("/incoming"))
    assert posted.params["Type"] == "mms" and posted.params["MediaCount"] == "1"
    assert httpx.get(posted.params["Media1"]).content == PNG
    client.messages.get(posted.params["MessageUUID"]).listMedia()
    [copy] = client.last_json()["objects"]
    client.messages.get(uuid).listMedia()
    [original] = client.last_json()["objects"]
    assert copy["media_id"] != original["media_id"] and copy["content_type"] == "image/png"


def test_a_phone_mms_that_cannot_be_one(server: LiveServer, account: MainAccount, client: RecordingClient) -> None:
    number = buy(client)
    phone = handset()

    def refused(**body: object) -> str:
        response = sim_mms(server, account, **{"from": phone, "to": number, **body})
        assert response.status_code == 400, response.text
        return response.json()["error"]

    assert "media_urls" in refused(media_urls=["/relative.png"])
    assert "media_urls" in refused(media_urls=["ftp://example.com/a.png"])
    assert "media_urls" in refused(media_urls=[f"http://example.com/{i}.png" for i in range(11)])
    assert "give text, or media_urls" in refused(text="")
    gb = buy(client, "GB", type="mobile")
    response = sim_mms(server, account, **{"from": phone, "to": gb, "media_urls": ["http://example.com/a.png"]})
    assert response.status_code == 400 and "not MMS-enabled" in response.json()["error"]
