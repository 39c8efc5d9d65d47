"""Audio streaming: ``<Stream>`` and ``Call/{uuid}/Stream/`` (see docs/stream.md)."""
