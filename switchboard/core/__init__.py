"""Conventions shared by every Plivo area: ids, errors, parameters, pagination, database, clock."""
