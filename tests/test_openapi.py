"""The published /openapi.json, and a fuzzing run of the whole API from it (schemathesis)."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import LiveServer, MainAccount

_ACCOUNT = r"^/v1/Account/\{auth_id\}/"
# The fuzzing run in four shards of about 28 operations each, so that parallel workers share it;
# the last takes every operation the others do not, so a new path is never left out.
_SHARDS = {
    "calls-messages": rf"{_ACCOUNT}(Call|Message|Media|MessagingRoute)/|^/media/",
    "rooms-recordings-endpoints": rf"{_ACCOUNT}(Conference|Recording|Transcription|JWT|Endpoint)/",
    "accounts-numbers-sim": rf"{_ACCOUNT}(Subaccount|Application|Number|PhoneNumber|Pricing)/|^/_sim/",
}


def test_every_operation_is_described(server: LiveServer) -> None:
    with server.http() as http:
        schema = http.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith(("/v1/", "/_sim/"))
        for method, operation in methods.items()
    ]
    assert len(operations) >= 12
    for path, method, operation in operations:
        assert operation["security"] == [{"basicAuth": []}], (path, method)
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        expected = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        assert declared == expected, (path, method)
        assert {"400", "401", "403", "404"} <= set(operation["responses"]), (path, method)
        if method == "post":
            content = operation["requestBody"]["content"]
            # JSON everywhere, except file uploads (Media/), which Plivo takes as multipart only
            assert "application/json" in content or set(content) == {"multipart/form-data"}, (path, method)
    assert schema["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
        "description": "auth_id as user, auth_token as password",
    }


def test_loose_types_are_published(server: LiveServer) -> None:
    with server.http() as http:
        schema = http.get("/openapi.json").json()
    body = schema["paths"]["/v1/Account/{auth_id}/Subaccount/"]["post"]["requestBody"]["content"]["application/json"]
    enabled = body["schema"]["properties"]["enabled"]
    kinds = [branch["type"] for branch in enabled["anyOf"]]
    assert kinds == ["boolean", "string", "number", "null"]


@pytest.mark.parametrize("shard", [*_SHARDS, "the-rest"])
def test_fuzzing_finds_no_server_error_and_no_schema_violation(
    server: LiveServer, account: MainAccount, tmp_path: Path, shard: str
) -> None:
    """Every check schemathesis has but two. `positive_data_acceptance`: some schema-valid values
    are refused on purpose for reasons a JSON schema cannot state (an unknown subaccount id, an
    update with nothing to change), with a 400 that names the parameter. `negative_data_rejection`:
    Plivo's SDKs echo path ids and send keys the server does not know, so unknown parameters must
    be tolerated, which that check counts as accepting invalid data."""
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.auth_id" = "{account.auth_id}"\n')
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(config),
        "--no-color",
        "run", f"{server.base_url}/openapi.json",
        "--auth", f"{account.auth_id}:{account.auth_token}",
        "--checks", "all",
        "--exclude-checks", "positive_data_acceptance,negative_data_rejection",
        "--max-examples", "40",
        "--seed", "20261122",
        "--request-timeout", "10",
        "--output-truncate", "false",
    ]  # fmt: skip
    if shard in _SHARDS:
        command += ["--include-path-regex", _SHARDS[shard]]
    else:
        command += ["--exclude-path-regex", "|".join(_SHARDS.values())]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_every_reference_resolves(server: LiveServer) -> None:
    with server.http() as http:
        schema = http.get("/openapi.json").json()

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            return ([node["$ref"]] if "$ref" in node else []) + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for item in node for r in refs(item)]
        return []

    components = schema.get("components", {}).get("schemas", {})
    found = refs(schema)
    assert found, "the description uses component references"
    unresolved = sorted({ref for ref in found if ref.removeprefix("#/components/schemas/") not in components})
    assert unresolved == []
