"""The JSON type plivo-go's response structs give each field of Plivo's objects, transcribed as facts.

plivo-go decodes responses with ``encoding/json`` into these structs; a value of another JSON type
fails the whole decode (a number where the struct has ``string``, a string where it has ``int64``).
They are the strictest contract any official SDK puts on a response, so the field tests check every
served value against them (see :func:`tests.helpers.assert_plivo_shape`).

Notation: ``"string"``, ``"int"`` (any Go integer), ``"float"``, ``"bool"``; a leading ``*`` marks a
Go pointer (null decodes to nil); ``["string"]`` is a slice of that type, ``[{...}]`` a slice of
structs, ``{...}`` a nested struct. Only fields the structs name are here; ``api_id`` is left out
where the struct has none (Go ignores unknown keys).

Sources (file: struct), from the newest versions of plivo/plivo-go found: accounts.go (Account,
Subaccount), applications.go (Application), numbers.go (Number, PhoneNumber), endpoints.go
(Endpoint), calls.go (Call, LiveCall, QueuedCall), conferences.go (Conference, Member),
recordings.go (Recording), messages.go (Message, MMSMedia), media.go (Media), pricing.go (Pricing),
lookup.go (LookupResponse, Country, NumberFormat, Carrier).
"""

from typing import Any

S, I, F, B = "string", "int", "float", "bool"

ACCOUNT: dict[str, Any] = {
    "account_type": S, "address": S, "api_id": S, "auth_id": S, "auto_recharge": B, "billing_mode": S,
    "cash_credits": S, "city": S, "name": S, "resource_uri": S, "state": S, "timezone": S,
}

SUBACCOUNT: dict[str, Any] = {
    "account": S, "api_id": S, "auth_id": S, "auth_token": S, "created": S, "modified": S, "name": S,
    "enabled": B, "resource_uri": S,
}

APPLICATION: dict[str, Any] = {
    "fallback_method": S, "default_app": B, "app_name": S, "production_app": B, "app_id": S, "hangup_url": S,
    "answer_url": S, "message_url": S, "resource_uri": S, "hangup_method": S, "message_method": S,
    "fallback_answer_url": S, "answer_method": S, "api_id": S, "log_incoming_messages": B, "public_uri": B,
    "default_number_app": B, "default_endpoint_app": B,
}

NUMBER: dict[str, Any] = {
    "alias": S, "voice_enabled": B, "sms_enabled": B, "mms_enabled": B, "description": S, "plivo_number": B,
    "city": S, "country": S, "carrier": S, "number": S, "number_type": S, "monthly_rental_rate": S,
    "application": S, "renewal_date": S, "cnam_lookup": S, "cnam": S, "added_on": S, "resource_uri": S,
    "voice_rate": S, "sms_rate": S, "mms_rate": S, "tendlc_campaign_id": S, "tendlc_registration_status": S,
    "toll_free_sms_verification": S,
}

PHONE_NUMBER: dict[str, Any] = {
    "country": S, "city": S, "lata": I, "monthly_rental_rate": S, "number": S, "type": S, "prefix": S,
    "rate_center": S, "region": S, "resource_uri": S, "restriction": S, "restriction_text": S, "setup_rate": S,
    "sms_enabled": B, "sms_rate": S, "mms_enabled": B, "mms_rate": S, "voice_enabled": B, "voice_rate": S,
}

ENDPOINT: dict[str, Any] = {
    "alias": S, "endpoint_id": S, "password": S, "resource_uri": S, "sip_uri": S, "username": S, "app_id": S,
}

CALL: dict[str, Any] = {
    "answer_time": S, "bill_duration": I, "billed_duration": I, "call_direction": S, "call_duration": I,
    "call_state": S, "call_uuid": S, "conference_uuid": S, "end_time": S, "from_number": S,
    "hangup_cause_code": I, "hangup_cause_name": S, "hangup_source": S, "initiation_time": S,
    "parent_call_uuid": S, "resource_uri": S, "to_number": S, "total_amount": S, "total_rate": S,
    "stir_verification": S, "voice_network_group": S, "stir_attestation": S, "source_ip": S, "cnam_lookup": S,
}

LIVE_CALL: dict[str, Any] = {
    "from": S, "to": S, "answer_url": S, "call_uuid": S, "caller_name": S, "parent_call_uuid": S,
    "session_start": S, "call_status": S, "stir_verification": S, "stir_attestation": S,
}

QUEUED_CALL: dict[str, Any] = {
    "from": S, "to": S, "call_status": S, "call_uuid": S, "caller_name": S, "api_id": S, "direction": S,
    "request_uuid": S,
}

CONFERENCE_MEMBER: dict[str, Any] = {
    "muted": B, "member_id": S, "deaf": B, "from": S, "to": S, "caller_name": S, "direction": S, "call_uuid": S,
    "join_time": S,
}

CONFERENCE: dict[str, Any] = {
    "conference_name": S, "conference_run_time": S, "conference_member_count": S, "members": [CONFERENCE_MEMBER],
}

RECORDING: dict[str, Any] = {
    "add_time": S, "call_uuid": S, "recording_id": S, "recording_type": S, "recording_format": S,
    "conference_name": S, "recording_url": S, "resource_uri": S, "recording_start_ms": S, "recording_end_ms": S,
    "recording_duration_ms": S, "from_number": S, "to_number": S,
}

MESSAGE: dict[str, Any] = {
    "api_id": S, "to_number": S, "from_number": S, "cloud_rate": S, "message_type": S, "resource_uri": S,
    "carrier_rate": S, "message_direction": S, "message_state": S, "total_amount": S, "message_uuid": S,
    "message_time": S, "error_code": S, "powerpack_id": S, "requester_ip": S, "is_domestic": "*bool",
    "replaced_sender": S, "tendlc_campaign_id": S, "tendlc_registration_status": S,
    "destination_country_iso2": S, "conversation_id": S, "conversation_origin": S,
    "conversation_expiration_timestamp": S, "dlt_entity_id": S, "dlt_template_id": S, "dlt_template_category": S,
    "destination_network": S, "carrier_fees_rate": S, "carrier_fees": S, "log": S,
}

MESSAGE_MEDIA: dict[str, Any] = {
    "api_id": S, "content_type": S, "media_id": S, "media_url": S, "message_uuid": S, "size": I,
}

MEDIA: dict[str, Any] = {
    "content_type": S, "file_name": S, "media_id": S, "size": I, "upload_time": S, "url": S, "status": S,
    "status_code": S,
}

_RATE: dict[str, Any] = {"rate": S}

PRICING: dict[str, Any] = {
    "api_id": S, "country": S, "country_code": I, "country_iso": S,
    "message": {"inbound": _RATE, "outbound": _RATE, "outbound_networks_list": [{"group_name": S, "rate": S}]},
    "phone_numbers": {"local": _RATE, "tollfree": _RATE},
    "voice": {
        "inbound": {"ip": _RATE, "local": _RATE, "tollfree": _RATE},
        "outbound": {"ip": _RATE, "local": _RATE, "tollfree": _RATE,
                     "rates": [{"origination_prefix": [S], "prefix": [S], "rate": S}]},
    },
}

LOOKUP: dict[str, Any] = {
    "api_id": S, "phone_number": S, "resource_uri": S,
    "country": {"name": S, "iso2": S, "iso3": S},
    "format": {"e164": S, "national": S, "international": S, "rfc3966": S},
    "carrier": {"mobile_country_code": S, "mobile_network_code": S, "name": S, "type": S, "ported": S},
}
