"""Hostile parameter values (huge integers, NUL characters, over-long ids) are 4xx on both databases."""

from tests.voice.conftest import Sim
def test_pg_edge(sim: Sim) -> None:
    base = f"/v1/Account/{sim.account.auth_id}/Call/"
    for params in ({"hangup_cause_code": "58974974693654558408704"}, {"bill_duration__lte": "99999999999999"},
                   {"hangup_source": "\x11\x00x"}, {"from_number": "a\x00b"}, {"subaccount": "x" * 300}):
        r = sim.http.get(base, params=params)
        assert r.status_code in (200, 400), (params, r.status_code, r.text)
    for body in ({"from": "1415", "to": "14155550100", "answer_url": "http://x/a", "caller_name": "a\x00"},
                 {"from": "1415", "to": "sip:" + "a" * 300 + "@x.com", "answer_url": "http://x/a"},
                 {"from": "1415", "to": "14155550100", "answer_url": "http://x/a", "parent_call_uuid": "p" * 50}):
        r = sim.http.post(base, json=body)
        assert r.status_code == 400, (body, r.status_code, r.text)
    assert sim.http.get(base + "%00/").status_code in (400, 404)
    assert sim.http.get(base + "x" * 100 + "/").status_code == 404


def test_sim_call_with_nul_caller_name_is_400(sim: Sim) -> None:
    response = sim.http.post("/_sim/calls", json={"from": "14155550100", "to": "14155550101", "caller_name": "a\x00"})
    assert response.status_code == 400
