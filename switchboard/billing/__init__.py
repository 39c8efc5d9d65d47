"""Billing: rating billable events, the ledger of charges and credits, coupons."""
