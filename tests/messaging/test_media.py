"""MMS and Media/: upload through the SDK, list, get; MMS with media_urls and media_ids; the
media of a message; media URLs that fail."""

from pathlib import Path

import httpx
import plivo
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.messaging.conftest import buy, eventually, handset
from tests.messaging.receiver import Receiver
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
