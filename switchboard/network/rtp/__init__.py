"""RTP media for SIP calls: packets, G.711, RFC 4733 events, sessions and the one paced sender."""
