"""Switchboard: a self-hosted platform that speaks Plivo's public API."""

__version__ = "0.1.0"
