"""Tunables of the webhook subsystem, with the defaults Switchboard ships."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookConfig:
    host_limit: int = 16
    """Event notifications of one account in flight to one ``host:port`` at a time."""
    host_total_limit: int = 64
    """Event notifications of all accounts together in flight to one ``host:port`` at a time."""
    fetch_host_limit: int = 64
    """Synchronous fetches (answer/action URLs) of one account in flight to one ``host:port`` at a time."""
    fetch_host_total_limit: int = 256
    """Synchronous fetches of all accounts together in flight to one ``host:port`` at a time."""
    notify_retries: int = 8
    """Retries of a notification when its URL has no ``rc`` in its fragment."""
    retry_base_seconds: float = 2.0
    """First notification retry after this long, doubling each time, at most ``retry_max_seconds``."""
    retry_max_seconds: float = 600.0
    fetch_retry_pause_seconds: float = 0.25
    """Pause between the attempts of a synchronous fetch (all within the URL's ``tt``)."""
    fetch_max_bytes: int = 100 * 1024
    """Largest document a fetch accepts (Plivo's limit for XML is 100 KB)."""
    notify_read_bytes: int = 64 * 1024
    """Bytes read of a notification's response (its body is ignored; the rest is cut off)."""
    snippet_bytes: int = 1024
    """Bytes of a response body kept in the debug log."""
    lease_seconds: float = 15.0
    poll_seconds: float = 1.0
    max_backlog: int = 50_000
    """Notifications a node holds in memory; more wait in the database. A host with fewer than
    ``host_limit`` in memory may still take that many, so a full node never starves a host."""
    host_backlog: int = 20_000
    """Notifications for one host a node holds in memory; more wait in the database."""
    log_retention_hours: float = 72.0
    """Debug-log entries older than this are pruned."""
    prune_interval_seconds: float = 300.0
    ca_file: str | None = None
    """PEM bundle of certificate authorities to trust for https URLs (default: the system's)."""
