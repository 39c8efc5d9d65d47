from datetime import date, timedelta

import plivo.exceptions
import pytest

from tests.helpers import LiveServer, MainAccount, RecordingClient, assert_plivo_shape
from tests.numbers.test_search_buy import search, subaccount_client


def buy(client: RecordingClient, country: str, **filters: object) -> str:
    number = search(client, country, limit=1, **filters)[0].number
    client.numbers.buy(number)
    return number


def test_get_and_list_through_sdk(client: RecordingClient, account: MainAccount) -> None:
    local = buy(client, "US", pattern="5")
    tollfree = buy(client, "US", type="tollfree")
    held = client.numbers.get(local)
    body = client.last_json()
    assert_plivo_shape(body, "numberGetResponse")
    assert body["number_type"] == "local" and body["carrier"] == "Plivo" and body["active"] is True
    assert body["country"] == "United States" and body["region"].endswith(", UNITED STATES")
    assert body["resource_uri"] == f"/v1/Account/{account.auth_id}/Number/{local}/"
    assert (body["voice_rate"], body["sms_rate"], body["monthly_rental_rate"]) == ("0.00850", "0.00000", "0.80000")
    assert (body["tendlc_registration_status"], body["cnam_lookup"]) == ("UNREGISTERED", "disabled")
    added = date.fromisoformat(body["added_on"])
    assert date.fromisoformat(body["renewal_date"]) - added in (timedelta(days=n) for n in (28, 29, 30, 31))
    assert held.application is None and held.sub_account is None

    listed = client.numbers.list()
    body = client.last_json()
    assert_plivo_shape(body, "numberListResponse")
    assert {n["number"] for n in body["objects"]} == {local, tollfree}
    assert body["meta"]["total_count"] == 2
    free = client.numbers.get(tollfree)
    assert (free.number_type, free.toll_free_sms_verification, free.tendlc_registration_status) == ("tollfree", "UNVERIFIED", None)
    assert len(listed.objects) == 2


def test_list_filters(server: LiveServer, client: RecordingClient) -> None:
    local = buy(client, "GB", type="local")
    mobile = buy(client, "GB", type="mobile")
    us = buy(client, "US")
    client.numbers.update(mobile, alias="support line")
    sub_id, _ = subaccount_client(server, client)
    client.numbers.update(local, subaccount=sub_id)

    def numbers(**filters: object) -> set[str]:
        client.numbers.list(**filters)
        return {n["number"] for n in client.last_json()["objects"]}

    assert numbers(type="mobile") == {mobile}
    assert numbers(type="fixed") == numbers(type="local") == {local, us}
    assert numbers(number_startswith="44") == {local, mobile}
    assert numbers(number_startswith=us[:4]) >= {us}
    assert numbers(alias="support line") == {mobile}
    assert numbers(subaccount=sub_id) == {local}
    assert numbers(services=["sms"]) == {mobile, us}
    assert numbers(services=["voice", "sms", "mms"]) == {us}
    assert numbers(tendlc_registration_status="unregistered") == {us}
    assert numbers(cnam_lookup="disabled") == {us}
    today = date.today()
    assert numbers(renewal_date__gt=today.isoformat()) == {local, mobile, us}
    assert numbers(renewal_date__lt=today.isoformat()) == set()
    assert numbers(renewal_date__lte=(today + timedelta(days=31)).isoformat()) == {local, mobile, us}
    assert numbers(toll_free_sms_verification_order_status="pending") == set()


def test_update_app_alias_subaccount(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    number = buy(client, "DE", type="mobile")
    app = client.applications.create(app_name="inbound", answer_url="https://example.com/answer")
    client.numbers.update(number, app_id=app.app_id, alias="hotline")
    assert client.last_status == 202
    assert_plivo_shape(client.last_json(), "numberUpdateResponse")
    held = client.numbers.get(number)
    assert held.application == f"/v1/Account/{account.auth_id}/Application/{app.app_id}/"
    assert held.alias == "hotline"

    sub_id, sub = subaccount_client(server, client)
    client.numbers.update(number, subaccount=sub_id)
    held = client.numbers.get(number)
    assert held.sub_account == f"/v1/Account/{account.auth_id}/Subaccount/{sub_id}/"
    assert held.resource_uri == f"/v1/Account/{sub_id}/Number/{number}/"
    assert [n["number"] for n in (sub.numbers.list(), sub.last_json())[1]["objects"]] == [number]
    sub.numbers.update(number, alias="branch line")
    assert sub.numbers.get(number).alias == "branch line"
    with pytest.raises(plivo.exceptions.ForbiddenError):
        sub.numbers.update(number, subaccount=sub_id)

    client.numbers.update(number, app_id="")
    assert client.numbers.get(number).application is None
    client.numbers.update(number, subaccount="")
    assert client.numbers.get(number).sub_account is None


def test_update_rejects_bad_values(server: LiveServer, client: RecordingClient, account: MainAccount) -> None:
    number = buy(client, "FR", type="mobile")
    with pytest.raises(plivo.exceptions.ValidationError, match="app_id"):
        client.numbers.update(number, app_id="99999999999999999")
    with pytest.raises(plivo.exceptions.ValidationError, match="subaccount"):
        client.numbers.update(number, subaccount="SA" + "X" * 18)
    with server.http(account) as http:
        response = http.post(f"/v1/Account/{account.auth_id}/Number/{number}/", json={"cnam_lookup": "enabled"})
    assert response.status_code == 400 and "CNAM" in response.json()["error"]


def test_unrent_returns_the_number_to_the_inventory(client: RecordingClient) -> None:
    number = buy(client, "IN", type="mobile", pattern="9")
    assert number not in {n.number for n in search(client, "IN", type="mobile", pattern=number[2:8], limit=20)}
    client.numbers.delete(number)
    assert client.last_status == 204
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.numbers.get(number)
    assert number in {n.number for n in search(client, "IN", type="mobile", pattern=number[2:8], limit=20)}
    client.numbers.buy(number)  # and can be bought again
    assert client.numbers.get(number).number == number


def test_unrenting_a_number_you_do_not_own(server: LiveServer, client: RecordingClient) -> None:
    number = buy(client, "NL", type="mobile")
    other = server.new_main_account()
    rival = RecordingClient(server.base_url, other.auth_id, other.auth_token)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError, match="not a number of account"):
        rival.numbers.delete(number)
    assert rival.last_status == 404 and set(rival.last_json()) == {"api_id", "error"}
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        rival.numbers.get(number)
    never_bought = search(client, "NL", type="mobile", limit=1)[0].number
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):
        client.numbers.delete(never_bought)
    _, sub = subaccount_client(server, client)
    with pytest.raises(plivo.exceptions.ResourceNotFoundError):  # the main account's, not the subaccount's
        sub.numbers.delete(number)
    assert client.numbers.get(number).number == number


@pytest.mark.parametrize("bad", ["+1-415-abc", "0", "1234567890123456"])
def test_number_paths_must_be_e164(server: LiveServer, account: MainAccount, bad: str) -> None:
    with server.http(account) as http:
        response = http.get(f"/v1/Account/{account.auth_id}/Number/{bad}/")
    assert response.status_code == 400 and "E.164" in response.json()["error"]


def test_plus_prefixed_number_is_the_same_number(client: RecordingClient) -> None:
    number = buy(client, "KE", type="mobile")
    assert client.numbers.get("+" + number).number == number
