"""What an operator configures for one SMPP connector (one carrier account: host, credentials,
binds, throughput and the carrier's addressing and encoding habits)."""

from dataclasses import dataclass, field, fields
from typing import Any, Literal

BindMode = Literal["transceiver", "pair"]
Concatenation = Literal["udh", "sar", "payload"]
IdFormat = Literal["string", "hex", "decimal"]


@dataclass(frozen=True)
class Ton:
    ton: int
    npi: int


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str = field(default="", repr=False)
    system_type: str = ""
    bind_mode: BindMode = "transceiver"
    """``transceiver``: one bind_transceiver per bind; ``pair``: a bind_transmitter and a
    bind_receiver per bind (carriers that refuse TRX)."""
    binds: int = 1
    window: int = 10
    """Outstanding requests per bind."""
    mps: float = 100.0
    """Contracted messages (segments) per second per bind."""
    enquire_link_interval: float = 30.0
    response_timeout: float = 30.0
    on_timeout: Literal["requeue", "fail"] = "requeue"
    """A submit without a response has an unknown outcome: send it again (possible duplicate) or fail it."""
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    source_international: Ton = Ton(1, 1)
    source_alphanumeric: Ton = Ton(5, 0)
    source_shortcode: Ton = Ton(3, 0)
    destination: Ton = Ton(1, 1)
    data_coding_gsm: int = 0
    """data_coding for GSM-7 text: 0 (SMSC default) on most carriers, 1 or 3 on some."""
    data_coding_ucs2: int = 8
    concatenation: Concatenation = "udh"
    registered_delivery: int = 1
    receipt_id_format: IdFormat = "string"
    """How receipts write the message id, when it differs from the submit_sm_resp (``hex`` or
    ``decimal``): both are normalised to the response's form."""
    submit_id_format: IdFormat = "string"
    receipt_ttl_hours: float = 72.0
    service_type: str = ""

    SECRET = ("password",)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SmppConfig":
        """From the stored/configured form (unknown keys are a mistake, not ignored)."""
        known = {f.name: f for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown SMPP settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        for name in ("source_international", "source_alphanumeric", "source_shortcode", "destination"):
            if name in values and not isinstance(values[name], Ton):
                ton, npi = values[name]
                values[name] = Ton(int(ton), int(npi))
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        if not self.host or not 0 < int(self.port) < 65536:
            raise ValueError("host and port (1-65535) are required")
        if not self.system_id or len(self.system_id) > 15 or len(self.password) > 8:
            raise ValueError("system_id (1-15 characters) is required; password has at most 8 characters")
        if not 1 <= self.binds <= 32 or not 1 <= self.window <= 1000 or self.mps <= 0:
            raise ValueError("binds must be 1-32, window 1-1000, mps > 0")
        if self.bind_mode not in ("transceiver", "pair") or self.concatenation not in ("udh", "sar", "payload"):
            raise ValueError("bind_mode is transceiver|pair; concatenation is udh|sar|payload")
        for ton in (self.source_international, self.source_alphanumeric, self.source_shortcode, self.destination):
            if not (0 <= ton.ton <= 6 and 0 <= ton.npi <= 18):
                raise ValueError("TON is 0-6 and NPI 0-18")

    def source_ton(self, src: str) -> Ton:
        if not src.isdigit():
            return self.source_alphanumeric
        return self.source_shortcode if len(src) <= 8 else self.source_international
