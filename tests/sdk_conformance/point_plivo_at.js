// Point the official, unmodified `plivo` Node SDK at a Switchboard server.
//
// The SDK builds absolute https URLs for Plivo's hosts: its `url` option covers only some
// resources, voice requests use a hard-coded api.plivo.com list, lookup, call feedback and PHLO
// their own hosts. Every request, whichever path built it, goes through the adapter of the
// `axios` copy the SDK loads (its voice requests use `axios.create()` instances, which take the
// adapter from `axios.defaults` but not the interceptors). So the one hook is that adapter: hand
// the request to axios's own adapter with any Plivo origin replaced by the server's.
'use strict';

const { createRequire } = require('module');

const PLIVO_ORIGIN = /^https:\/\/[a-z0-9-]+\.plivo\.com(?=[/?#]|$)/;

function pointPlivoAt(baseUrl) {
  const sdkRequire = createRequire(require.resolve('plivo'));
  const axios = sdkRequire('axios'); // the copy the SDK uses, not the application's own
  const base = baseUrl.replace(/\/+$/, '');
  const send = axios.getAdapter(axios.defaults.adapter);
  axios.defaults.adapter = (config) => send({ ...config, url: config.url.replace(PLIVO_ORIGIN, base) });
}

module.exports = { pointPlivoAt };
