// The test page: Plivo's browser SDK pointed at Switchboard's /signalling, every event it emits
// recorded in window.events for the test to read (tests/webrtc/test_browser.py drives it).
(function () {
  const params = new URLSearchParams(window.location.search);
  window.events = [];
  const record = (name) => (...args) => {
    const first = args[0];
    let detail = first;
    if (first && typeof first === "object") {
      detail = { callUUID: first.callUUID || null, direction: first.direction || null, src: first.src || null,
                 dest: first.dest || null, state: first.state || null, extraHeaders: first.extraHeaders || null };
    }
    window.events.push([name, detail === undefined ? null : detail]);
  };
  window.phone = new window.Plivo({
    debug: params.get("debug") || "ERROR",
    permOnClick: false,
    enableTracking: false,
    closeProtection: false,
    registrationDomainSocket: [params.get("ws")],
    registrationRefreshTimer: 120,
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
