"""Rates: the operator-editable rate table behind ``Pricing/`` and, later, call and message rating."""
