"""WebRTC browser legs: SIP over WebSocket signalling (network/sip/websocket.py) with ICE/DTLS-SRTP media."""
