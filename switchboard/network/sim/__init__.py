"""The simulated telephone network: scriptable phones that stand in for every number Switchboard
does not own, and for endpoints, so that call and message flows run without a carrier."""
