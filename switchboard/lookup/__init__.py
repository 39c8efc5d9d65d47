"""Number lookup (``GET /v1/Number/{number}?type=carrier``) from the ``phonenumbers`` metadata."""
