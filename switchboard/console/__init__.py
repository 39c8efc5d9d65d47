"""The console: the web dashboard served at ``/`` by ``switchboard serve`` (see docs/console.md)."""
