// The test page: Plivo's browser SDK pointed at Switchboard's /signalling, every event it emits
// recorded in window.events for the test to read (tests/webrtc/test_browser.py drives it).
(function () {
  const params = new URLSearchParams(window.location.search);
  window.events = [];
  const simple = (value) => {
    if (value && typeof value === "object") {
      try { return JSON.parse(JSON.stringify(value)); } catch (error) { return String(value); }
    }
    return value === undefined ? null : value;
  };
  const record = (name) => (...args) => { window.events.push([name, args.map(simple)]); };
  window.phone = new window.Plivo({
    debug: params.get("debug") || "ERROR",
    permOnClick: false,
    enableTracking: false,
    closeProtection: false,
    registrationDomainSocket: [params.get("ws")],
    registrationRefreshTimer: 120,
    codecs: (params.get("codecs") || "OPUS,PCMU").split(","),
  });
  const client = window.phone.client;
  for (const name of ["onWebrtcNotSupported", "onLogin", "onLoginFailed", "onLogout", "onCalling",
                      "onCallRemoteRinging", "onCallAnswered", "onCallTerminated", "onCallFailed",
                      "onIncomingCall", "onIncomingCallCanceled", "onIncomingCallIgnored", "onMediaConnected",
                      "onConnectionChange", "onDtmfReceived"]) {
    client.on(name, record(name));
  }
  window.named = (name) => window.events.filter((event) => event[0] === name);
})();
