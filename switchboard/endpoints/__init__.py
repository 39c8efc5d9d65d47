"""SIP endpoints: users that register with Switchboard and make and take calls."""
