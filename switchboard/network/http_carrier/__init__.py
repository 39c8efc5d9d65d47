"""HTTP carrier connectors: carriers reached through a REST API, reporting status and inbound
messages through signed webhooks."""
