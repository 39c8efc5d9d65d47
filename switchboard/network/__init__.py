"""Everything that touches the outside world of telephony: the simulated network (``sim``), and
later SIP/RTP, SMPP and HTTP carriers. Domain packages never import a transport directly."""
