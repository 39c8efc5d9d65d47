"""Server settings: command-line options, with environment fallbacks for credentials."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from switchboard.core.db import SQLITE_BUSY_TIMEOUT, sqlite_url
from switchboard.core.ids import main_credentials_problem


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    database_url: str | None = None
    sqlite_busy_timeout: float = SQLITE_BUSY_TIMEOUT
    """Seconds a SQLite writer waits for a lock (the engine retries the call records it could not write)."""
    public_url: str | None = None
    sip_domain: str | None = None
    auth_id: str | None = field(default_factory=lambda: os.environ.get("SWITCHBOARD_AUTH_ID") or None)
    auth_token: str | None = field(default_factory=lambda: os.environ.get("SWITCHBOARD_AUTH_TOKEN") or None)
    credential_cache_seconds: float = 5.0
    auth_failure_limit: int = 10
    auth_failure_window: float = 60.0
    webhook_log_retention_hours: float = 72.0
    webhook_host_concurrency: int = 16
    webhook_ca_file: str | None = None
    sip_listen: str | None = None
    """``host:port`` the SIP stack listens on (UDP and TCP); None: no SIP (simulated network only)."""
    sip_media_host: str | None = None
    """The address put in SDP for RTP; default: the SIP listen host."""
    sip_rtp_timeout: float = 60.0
    clock: str = "real"  # "real" or "virtual" (simulated time; see docs/simulator.md)
    connectors_file: Path | None = None
    """TOML file of carrier connectors and messaging routes (see ``network/registry.py``)."""
    recording_retention_days: float | None = None
    """Recordings older than this are deleted (files and records); None keeps them until deleted."""
    recording_reserve_bytes: int = 64 * 1024 * 1024
    """Disk space the recording store leaves free; a recording that would eat into it is refused."""
    sms_mps: dict[str, float] = field(default_factory=dict)
    """Sender throughput overrides (segments/s): longcode, tollfree, shortcode, international, or a number."""
    outbound_cps: int = 2
    billing: bool = True
    """Charge messages to the ledger and enforce prepaid credit on them (900) and, without rates
    for a destination, refuse it. Off (``--no-billing``): messages are rated for display only,
    nothing is charged or refused for credit (an account disabled still fails with 910)."""
    """Outbound API calls started per second per main account (Plivo's default is 2); more wait queued."""
    billing_upkeep_seconds: float = 60.0
    """Real seconds between passes of the billing upkeep (rental renewals, auto-recharge)."""
    payment_provider: str | None = None
    """``module:factory`` of a card payment provider (see billing/payments.py); None: no card payments."""

    def credentials_problem(self) -> str | None:
        """Why SWITCHBOARD_AUTH_ID / SWITCHBOARD_AUTH_TOKEN cannot be used, or None."""
        problem = main_credentials_problem(self.auth_id, self.auth_token)
        return f"SWITCHBOARD_AUTH_ID/SWITCHBOARD_AUTH_TOKEN: {problem}" if problem else None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_sip_domain(self) -> str:
        return self.sip_domain or urlsplit(self.resolved_public_url).hostname or self.host
