// Every operation of tests/sdk_conformance/operations.py, through the official Plivo Node SDK,
// against a live Switchboard. Usage: node conformance.js <base_url> <auth_id> <auth_token>
// Prints one line per operation: RESULT {"op", "call", "ok", "error"}. The server's virtual clock
// is expected to be held to real time (the pytest test does so), so calls stay up while acted on.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const plivo = require('plivo');
const { pointPlivoAt } = require('./point_plivo_at');
const { CustomerApp, check, hold, notFound, op, simulator, sleep, until, wav } = require('./harness');

const [BASE, AUTH_ID, AUTH_TOKEN] = process.argv.slice(2);
const CALLER = '14155564000';
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const { sim, fastForward, phone, phoneLog } = simulator(BASE, AUTH_ID, AUTH_TOKEN);

// ---- the operations, grouped by resource ---------------------------------------------------------

async function accounts(client, state) {
  await op('account.get', 'client.accounts.get()', async () => {
    const account = await client.accounts.get();
    check(account.resourceUri === `/v1/Account/${AUTH_ID}/`, `resourceUri ${account.resourceUri}`);
    check(typeof account.cashCredits === 'string', 'cashCredits is a string');
  });
  await op('account.update', 'client.accounts.update({...})', async () => {
    const updated = await client.accounts.update({ name: 'Node SDK', city: 'Lisbon', address: 'Rua 1' });
    check(updated.message === 'changed', `message ${updated.message}`);
    const account = await client.accounts.get();
    check(account.name === 'Node SDK' && account.city === 'Lisbon', `name ${account.name}, city ${account.city}`);
  });

  await op('subaccount.create', 'client.subaccounts.create(name, enabled)', async () => {
    const created = await client.subaccounts.create('node-sub', true);
    check(created.authId && created.authId.startsWith('SA') && created.authToken, `authId ${created.authId}`);
    state.subAuthId = created.authId;
  });
  await op('subaccount.get', 'client.subaccounts.get(id)', async () => {
    const sub = await client.subaccounts.get(state.subAuthId);
    check(sub.name === 'node-sub' && sub.enabled === true, `${sub.name} ${sub.enabled}`);
  });
  await op('subaccount.list', 'client.subaccounts.list({...})', async () => {
    const subs = await client.subaccounts.list({ limit: 20, offset: 0 });
    check(subs.some((sub) => sub.authId === state.subAuthId), 'the new subaccount is listed');
  });
  await op('subaccount.update', 'client.subaccounts.update(id, name, enabled)', async () => {
    await client.subaccounts.update(state.subAuthId, 'node-sub-renamed', false);
    const sub = await client.subaccounts.get(state.subAuthId);
    check(sub.name === 'node-sub-renamed' && sub.enabled === false, `${sub.name} ${sub.enabled}`);
  });
  await op('subaccount.delete', 'client.subaccounts.delete(id, cascade)', async () => {
    await client.subaccounts.delete(state.subAuthId, true);
    await notFound(client.subaccounts.get(state.subAuthId));
  });
}

async function applications(client, state, app) {
  await op('application.create', 'client.applications.create(appName, {...})', async () => {
    const created = await client.applications.create('node-app', { answerUrl: app.url('/answer'), hangupUrl: app.url('/hangup') });
    check(created.appId && created.message === 'created', `appId ${created.appId}`);
    state.appId = created.appId;
  });
  await op('application.get', 'client.applications.get(id)', async () => {
    const got = await client.applications.get(state.appId);
    check(got.appName === 'node-app' && got.answerUrl === app.url('/answer'), `${got.appName} ${got.answerUrl}`);
  });
  await op('application.list', 'client.applications.list({...})', async () => {
    const listed = await client.applications.list({ appName: 'node-app' });
    check(listed.length === 1 && listed[0].appId === state.appId, `${listed.length} listed`);
  });
  await op('application.update', 'client.applications.update(id, {...})', async () => {
    await client.applications.update(state.appId, { answerUrl: app.url('/answer2') });
    const got = await client.applications.get(state.appId);
    check(got.answerUrl === app.url('/answer2'), `answerUrl ${got.answerUrl}`);
  });
  await op('application.delete', 'client.applications.delete(id)', async () => {
    const spare = await client.applications.create('node-app-spare', { answerUrl: app.url('/answer') });
    await client.applications.delete(spare.appId);
    await notFound(client.applications.get(spare.appId));
  });
}

async function endpoints(client, state) {
  await op('endpoint.create', 'client.endpoints.create(username, password, alias, appId)', async () => {
    const created = await client.endpoints.create('nodeuser', 'secret123', 'Node User', state.appId);
    check(created.endpointId && created.username.startsWith('nodeuser'), `username ${created.username}`);
    state.endpointId = created.endpointId;
  });
  await op('endpoint.get', 'client.endpoints.get(id)', async () => {
    const got = await client.endpoints.get(state.endpointId);
    check(got.alias === 'Node User' && got.sipUri.startsWith('sip:'), `${got.alias} ${got.sipUri}`);
  });
  await op('endpoint.list', 'client.endpoints.list()', async () => {
    const listed = await client.endpoints.list();
    check(listed.some((endpoint) => endpoint.endpointId === state.endpointId), 'listed');
  });
  await op('endpoint.update', 'client.endpoints.update(id, {...})', async () => {
    await client.endpoints.update(state.endpointId, { alias: 'Renamed' });
    check((await client.endpoints.get(state.endpointId)).alias === 'Renamed', 'alias changed');
  });
  await op('endpoint.delete', 'client.endpoints.delete(id)', async () => {
    await client.endpoints.delete(state.endpointId);
    await notFound(client.endpoints.get(state.endpointId));
  });
}

async function numbers(client, state) {
  await op('number.search', "client.numbers.search('US', {...})", async () => {
    const found = await client.numbers.search('US', { type: 'local', limit: 3 });
    check(found.length === 3 && found.every((number) => /^1\d{10}$/.test(number.number)), `${found.length} found`);
    state.searched = found.map((number) => number.number);
  });
  await op('number.buy', 'client.numbers.buy(number, appId)', async () => {
    const bought = await client.numbers.buy(state.searched[0], state.appId);
    check(bought.status === 'fulfilled' && bought.numbers[0].status === 'Success', JSON.stringify(bought));
    state.number = state.searched[0];
  });
  await op('number.list', 'client.numbers.list({...})', async () => {
    const listed = await client.numbers.list({ limit: 20 });
    check(listed.some((number) => number.number === state.number), 'the bought number is listed');
  });
  await op('number.get', 'client.numbers.get(number)', async () => {
    const got = await client.numbers.get(state.number);
    check(got.number === state.number && got.application.endsWith(`/Application/${state.appId}/`), `application ${got.application}`);
  });
  await op('number.update', 'client.numbers.update(number, {...})', async () => {
    await client.numbers.update(state.number, { alias: 'node line' });
    check((await client.numbers.get(state.number)).alias === 'node line', 'alias changed');
  });
  await op('number.add_own', 'client.numbers.addOwnNumber(numbers, carrier, region, {...})', async () => {
    const carrier = await sim('POST', `/v1/Account/${AUTH_ID}/IncomingCarrier/`, { name: 'node-own', ip_set: '198.51.100.9' });
    await client.numbers.addOwnNumber('442079461234', carrier.carrier_id, 'London', { numberType: 'local' });
    const got = await client.numbers.get('442079461234');
    check(got.carrier === 'node-own' && got.region === 'London', `${got.carrier} ${got.region}`);
  });
  await op('number.unrent', 'client.numbers.unrent(number)', async () => {
    await client.numbers.buy(state.searched[1]);
    await client.numbers.unrent(state.searched[1]);
    await notFound(client.numbers.get(state.searched[1]));
  });
}

async function pricingAndLookup(client) {
  await op('pricing.get', "client.pricings.get('US')", async () => {
    const pricing = await client.pricings.get('US');
    check(pricing.countryIso === 'US' && pricing.message && pricing.voice, JSON.stringify(Object.keys(pricing)));
  });
  await op('lookup.get', "client.lookup.get(number, 'carrier')", async () => {
    const found = await client.lookup.get('+14155550123', 'carrier');
    check(found.phoneNumber === '+14155550123' && found.country && found.format, JSON.stringify(found));
  });
}

async function messaging(client, state, app) {
  await op('message.send', 'client.messages.create({src, dst, text, url})', async () => {
    const sent = await client.messages.create({ src: state.number, dst: '14155564100', text: 'hello from node', url: app.url('/message-status') });
    check(sent.messageUuid && sent.messageUuid.length === 1, JSON.stringify(sent));
    state.messageUuid = sent.messageUuid[0];
  });
  await op('message.get', 'client.messages.get(uuid)', async () => {
    const message = await until(async () => {
      const got = await client.messages.get(state.messageUuid);
      return got.messageState === 'delivered' && got;
    });
    check(message.toNumber === '14155564100' && message.messageDirection === 'outbound', JSON.stringify(message));
  });
  await op('message.list', 'client.messages.list({...})', async () => {
    const listed = await client.messages.list({ limit: 5, messageDirection: 'outbound' });
    check(listed.some((message) => message.messageUuid === state.messageUuid), 'listed');
  });
  await op('media.upload', 'client.media.upload([path])', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-node-')), 'tone.wav');
    fs.writeFileSync(file, wav(0.2));
    const uploaded = await client.media.upload([file]);
    check(uploaded.objects.length === 1 && uploaded.objects[0].status === 'success', JSON.stringify(uploaded));
    state.mediaId = uploaded.objects[0].mediaId;
  });
  await op('media.get', 'client.media.get(id)', async () => {
    const media = await client.media.get(state.mediaId);
    check(media.mediaId === state.mediaId && media.mediaUrl, JSON.stringify(media));
  });
  await op('media.list', 'client.media.list({...})', async () => {
    const listed = await client.media.list({ limit: 5, offset: 0 });
    check(listed.some((media) => media.mediaId === state.mediaId), JSON.stringify(listed));
  });
  await op('message.send_mms', "client.messages.create({..., type: 'mms', media_urls})", async () => {
    const sent = await client.messages.create({ src: state.number, dst: '14155564100', text: 'a picture', type: 'mms', media_urls: [app.url('/picture.gif')] });
    state.mmsUuid = sent.messageUuid[0];
    await until(async () => (await client.messages.get(state.mmsUuid)).messageState === 'delivered');
  });
  await op('message.list_media', 'client.messages.listMedia(uuid)', async () => {
    const media = await client.messages.listMedia(state.mmsUuid);
    const objects = media.objects || [];
    check(objects.length === 1 && objects[0].contentType === 'image/gif', JSON.stringify(media));
  });
}

async function calls(client, state, app) {
  app.xml('/hold', hold());
  app.file('/beep.wav', 'audio/wav', wav(1.5));
  const transferred = new plivo.Response();
  transferred.addSpeak('You were transferred.');
  transferred.addWait({ length: 120 });
  app.xml('/transfer', transferred);
  await phone('14155564001', [{ ring: 0 }]);

  await op('call.create', 'client.calls.create(from, to, answerUrl, {...})', async () => {
    const created = await client.calls.create(CALLER, '14155564001', app.url('/hold'), { hangupUrl: app.url('/hangup'), answerMethod: 'POST' });
    check(created.requestUuid && created.message === 'call fired', JSON.stringify(created));
    state.callUuid = created.requestUuid;
    await app.waitFor('/hold');
  });
  const uuid = state.callUuid;
  await op('call.live_list', 'client.calls.listLiveCalls()', async () => {
    const live = await client.calls.listLiveCalls();
    check(JSON.stringify(live).includes(uuid), JSON.stringify(live));
  });
  await op('call.live_get', 'client.calls.getLiveCall(uuid)', async () => {
    const live = await client.calls.getLiveCall(uuid);
    check(live.callStatus === 'in-progress' && live.direction === 'outbound', JSON.stringify(live));
  });
  await op('call.speak', 'client.calls.speakText(uuid, text, {...})', async () => {
    const spoken = await client.calls.speakText(uuid, 'This is an announcement.', { voice: 'MAN' });
    check(spoken.message === 'speak started', JSON.stringify(spoken));
  });
  await op('call.speak_async', 'client.calls.speakText(uuid, text, {callbackUrl})', async () => {
    const spawned = await client.calls.speakText(uuid, 'Asynchronously.', { callbackUrl: app.url('/speak-result') });
    check(spawned.message === 'async api spawned', JSON.stringify(spawned));
    const [result] = await app.waitFor('/speak-result');
    check(result.params.api_id === spawned.apiId, JSON.stringify(result.params));
  });
  await op('call.speak_stop', 'client.calls.stopSpeakingText(uuid)', () => client.calls.stopSpeakingText(uuid));
  await op('call.play', 'client.calls.playMusic(uuid, url)', async () => {
    const played = await client.calls.playMusic(uuid, app.url('/beep.wav'));
    check(played.message === 'play started', JSON.stringify(played));
  });
  await op('call.play_stop', 'client.calls.stopPlayingMusic(uuid)', () => client.calls.stopPlayingMusic(uuid));
  await op('call.send_digits', 'client.calls.sendDigits(uuid, digits)', async () => {
    const sent = await client.calls.sendDigits(uuid, '1234');
    check(sent.message === 'digits sent', JSON.stringify(sent));
    await until(async () => (await phoneLog('14155564001')).some((event) => event.kind === 'received_digits' && event.digits === '1234'));
  });
  await op('call.record', 'client.calls.record(uuid, {...})', async () => {
    const started = await client.calls.record(uuid, { callbackUrl: app.url('/recorded') });
    check(started.url && started.recordingId, JSON.stringify(started));
    state.recordingId = started.recordingId;
    await fastForward(sleep(200));
  });
  await op('call.record_stop', 'client.calls.stopRecording(uuid)', async () => {
    await client.calls.stopRecording(uuid);
    await app.waitFor('/recorded');
  });
  await op('call.transfer', "client.calls.transfer(uuid, {legs: 'aleg', alegUrl})", async () => {
    const moved = await client.calls.transfer(uuid, { legs: 'aleg', alegUrl: app.url('/transfer') });
    check(/transfer/.test(moved.message), JSON.stringify(moved));
    const [hit] = await app.waitFor('/transfer');
    check(hit.params.CallUUID === uuid, 'the transfer URL was fetched for the call');
  });
  await op('call.hangup', 'client.calls.hangup(uuid)', async () => {
    await client.calls.hangup(uuid);
    const [hit] = await app.waitFor('/hangup');
    check(hit.params.HangupSource === 'API Request', JSON.stringify(hit.params));
  });
  await op('call.get', 'client.calls.get(uuid)', async () => {
    const record = await client.calls.get(uuid);
    check(record.callUuid === uuid && record.callDirection === 'outbound' && record.endTime, JSON.stringify(record));
  });
  await op('call.list', "client.calls.list({callDirection: 'outbound'})", async () => {
    const listed = await client.calls.list({ callDirection: 'outbound', limit: 20 });
    check(listed.some((record) => record.callUuid === uuid), 'the call is listed');
  });

  await op('call.queued_list', 'client.calls.listQueuedCalls()', async () => {
    const to = ['14155564011', '14155564012', '14155564013', '14155564014'];
    const created = await client.calls.create(CALLER, to.join('<'), app.url('/hold'), { hangupUrl: app.url('/hangup-queued') });
    state.queued = created.requestUuid;
    check(Array.isArray(state.queued) && created.message === 'call queued', JSON.stringify(created));
    const queued = await client.calls.listQueuedCalls();
    check(JSON.stringify(queued).includes(state.queued[3]), JSON.stringify(queued));
  });
  await op('call.queued_get', 'client.calls.getQueuedCall(uuid)', async () => {
    const queued = await client.calls.getQueuedCall(state.queued[3]);
    check(queued.callStatus === 'queued', JSON.stringify(queued));
  });
  await op('call.cancel', 'client.calls.cancel(requestUuid)', async () => {
    await client.calls.cancel(state.queued[3]);
    const hits = await app.waitFor('/hangup-queued');
    check(hits.some((hit) => hit.params.CallUUID === state.queued[3] && hit.params.CallStatus === 'cancel'), 'cancelled');
    for (const other of state.queued.slice(0, 3)) {
      await until(async () => (await client.calls.listQueuedCalls().then((q) => JSON.stringify(q))).includes(other) === false);
      await client.calls.hangup(other).catch(() => null);
    }
  });
}

async function recordings(client, state) {
  await op('recording.list', 'client.recordings.list({...})', async () => {
    const listed = await client.recordings.list({ callUuid: state.callUuid });
    check(listed.some((recording) => recording.recordingId === state.recordingId), JSON.stringify(listed));
  });
  await op('recording.get', 'client.recordings.get(id)', async () => {
    const recording = await client.recordings.get(state.recordingId);
    check(recording.callUuid === state.callUuid && recording.recordingUrl, JSON.stringify(recording));
  });
  await op('recording.delete', 'client.recordings.delete(id)', async () => {
    await client.recordings.delete(state.recordingId);
    await notFound(client.recordings.get(state.recordingId));
  });
}

async function conferences(client, state, app) {
  const room = 'Node Room';
  const join = new plivo.Response();
  join.addConference(room, { callbackUrl: app.url('/conference-events'), action: app.url('/left') });
  app.xml('/join', join);
  app.xml('/left', hold(60));
  app.file('/long.wav', 'audio/wav', wav(30));
  const members = {};
  for (const number of ['14155564201', '14155564202']) {
    await phone(number, [{ ring: 0 }]);
    const created = await client.calls.create(CALLER, number, app.url('/join'), { hangupUrl: app.url('/conference-hangup') });
    members[number] = created.requestUuid;
  }
  await app.waitFor('/conference-events', 2).catch(() => null);
  let one;
  let two;
  await op('conference.list', 'client.conferences.list()', async () => {
    const listed = await client.conferences.list();
    check(JSON.stringify(listed).includes(room), JSON.stringify(listed));
  });
  await op('conference.get', 'client.conferences.get(name)', async () => {
    const got = await client.conferences.get(room);
    check(got.conferenceName === room && got.members.length === 2, JSON.stringify(got));
    const byCall = Object.fromEntries(got.members.map((member) => [member.call_uuid || member.callUuid, member.member_id || member.memberId]));
    one = byCall[members['14155564201']];
    two = byCall[members['14155564202']];
    check(one && two, JSON.stringify(got.members));
  });
  const memberState = async () => Object.fromEntries((await client.conferences.get(room)).members.map(
    (member) => [member.member_id || member.memberId, [member.muted, member.deaf]]));
  await op('conference.member_mute', 'client.conferences.muteMember(name, memberId)', async () => {
    await client.conferences.muteMember(room, one);
    check((await memberState())[one][0] === true, 'muted');
  });
  await op('conference.member_unmute', 'client.conferences.unmuteMember(name, memberId)', async () => {
    await client.conferences.unmuteMember(room, one);
    check((await memberState())[one][0] === false, 'unmuted');
  });
  await op('conference.member_deaf', 'client.conferences.deafMember(name, memberId)', async () => {
    await client.conferences.deafMember(room, two);
    check((await memberState())[two][1] === true, 'deaf');
  });
  await op('conference.member_undeaf', 'client.conferences.undeafMember(name, memberId)', async () => {
    await client.conferences.undeafMember(room, two);
    check((await memberState())[two][1] === false, 'undeaf');
  });
  await op('conference.member_speak', 'client.conferences.speakTextToMember(name, memberId, text)', async () => {
    const spoken = await client.conferences.speakTextToMember(room, two, 'A supervisor is listening.');
    check(/speak/.test(spoken.message), JSON.stringify(spoken));
  });
  await op('conference.member_speak_stop', 'client.conferences.stopSpeakingTextToMember(name, memberId)',
    () => client.conferences.stopSpeakingTextToMember(room, two));
  await op('conference.member_play', "client.conferences.playAudioToMember(name, 'all', url)", async () => {
    const played = await client.conferences.playAudioToMember(room, 'all', app.url('/long.wav'));
    check(/play/.test(played.message), JSON.stringify(played));
  });
  await op('conference.member_play_stop', "client.conferences.stopPlayingAudioToMember(name, 'all')",
    () => client.conferences.stopPlayingAudioToMember(room, 'all'));
  await op('conference.record', 'client.conferences.record(name, {...})', async () => {
    const started = await client.conferences.record(room, { callbackUrl: app.url('/conference-recorded') });
    check(started.url && started.recordingId, JSON.stringify(started));
    await fastForward(sleep(200));
  });
  await op('conference.record_stop', 'client.conferences.stopRecording(name)', async () => {
    await client.conferences.stopRecording(room);
    await app.waitFor('/conference-recorded');
  });
  await op('conference.member_kick', 'client.conferences.kickMember(name, memberId)', async () => {
    await client.conferences.kickMember(room, one);
    const [left] = await app.waitFor('/left');
    check(left.params.CallUUID === members['14155564201'], JSON.stringify(left.params));
  });
  await op('conference.member_hangup', 'client.conferences.hangupMember(name, memberId)', async () => {
    await client.conferences.hangupMember(room, two);
    await until(() => app.requestsTo('/conference-hangup').some((hit) => hit.params.CallUUID === members['14155564202']));
  });
  await client.calls.hangup(members['14155564201']).catch(() => null);

  const rooms = {};
  for (const [number, name] of [['14155564211', 'east'], ['14155564212', 'west']]) {
    const into = new plivo.Response();
    into.addConference(name);
    app.xml(`/join-${name}`, into);
    await phone(number, [{ ring: 0 }]);
    rooms[name] = (await client.calls.create(CALLER, number, app.url(`/join-${name}`), { hangupUrl: app.url('/rooms-hangup') })).requestUuid;
  }
  await until(async () => {  // either room may start first
    const listed = JSON.stringify(await client.conferences.list());
    return listed.includes('east') && listed.includes('west');
  });
  await op('conference.hangup', 'client.conferences.hangup(name)', async () => {
    await client.conferences.hangup('east');
    await until(() => app.requestsTo('/rooms-hangup').some((hit) => hit.params.CallUUID === rooms.east));
  });
  await op('conference.hangup_all', 'client.conferences.hangupAll()', async () => {
    await client.conferences.hangupAll();
    await until(() => app.requestsTo('/rooms-hangup').some((hit) => hit.params.CallUUID === rooms.west));
  });
}

// The XML builder: a document made with plivo.Response is served at an answer URL and runs.
async function xmlBuilder(client, app) {
  await op('xml.response', 'new plivo.Response() … toXML()', async () => {
    const response = new plivo.Response();
    response.addSpeak('Welcome to the Node line.', { voice: 'WOMAN', language: 'en-US' });
    response.addPlay(app.url('/beep.wav'));
    response.addDTMF('12');
    const getInput = response.addGetInput({ action: app.url('/input'), inputType: 'dtmf', numDigits: 1 });
    getInput.addSpeak('Press a key.');
    response.addHangup();
    app.xml('/xml-answer', response);
    const input = new plivo.Response();
    input.addSpeak('Thanks.');
    app.xml('/input', input);
    await phone('14155564301', [{ ring: 0 }, { wait: 10 }, { press: '7' }]);
    const uuid = (await client.calls.create(CALLER, '14155564301', app.url('/xml-answer'), { hangupUrl: app.url('/xml-hangup') })).requestUuid;
    const [hangup] = await fastForward(app.waitFor('/xml-hangup'));
    check(hangup.params.CallUUID === uuid, 'the call ended');
    const [digits] = app.requestsTo('/input');
    check(digits && digits.params.Digits === '7', 'GetInput action got the digit');
    const log = await phoneLog('14155564301');
    check(log.some((event) => event.kind === 'heard_speech' && event.text === 'Welcome to the Node line.'), 'Speak heard');
    check(log.some((event) => event.kind === 'heard_audio'), 'Play heard');
    check(log.some((event) => event.kind === 'received_digits' && event.digits === '12'), 'DTMF received');
  });

  await op('xml.dial', 'new plivo.Response().addDial({action}).addNumber(number)', async () => {
    const response = new plivo.Response();
    response.addDial({ action: app.url('/dial-action') }).addNumber('14155564402');
    app.xml('/dial-answer', response);
    app.xml('/dial-action', new plivo.Response());
    await phone('14155564401', [{ ring: 0 }]);
    await phone('14155564402', [{ ring: 1 }, { wait: 2 }, { hangup: true }]);
    await client.calls.create(CALLER, '14155564401', app.url('/dial-answer'));
    const [action] = await fastForward(app.waitFor('/dial-action'));
    check(action.params.DialStatus === 'completed' && action.params.DialBLegUUID, JSON.stringify(action.params));
  });

  await op('xml.record', 'new plivo.Response().addRecord({action, maxLength})', async () => {
    const response = new plivo.Response();
    response.addSpeak('Leave a message after the beep.');
    response.addRecord({ action: app.url('/record-action'), maxLength: 3, playBeep: true });
    app.xml('/record-answer', response);
    app.xml('/record-action', new plivo.Response());
    await phone('14155564501', [{ ring: 0 }, { wait: 4 }, { say: 'call me back' }]);
    await client.calls.create(CALLER, '14155564501', app.url('/record-answer'));
    const [action] = await fastForward(app.waitFor('/record-action'));
    check(action.params.RecordUrl && action.params.RecordingID && Number(action.params.RecordingDuration) > 0,
      JSON.stringify(action.params));
  });
}

// validateV3Signature on callbacks Switchboard really sent (GET and POST).
async function signatures(app) {
  await op('webhook.validate_v3_signature', 'plivo.validateV3Signature(method, url, nonce, token, signature, params)', async () => {
    const hits = app.hits.filter((hit) => hit.headers['x-plivo-signature-v3']);
    check(hits.length > 5, `${hits.length} signed requests`);
    for (const hit of hits) {
      const url = hit.url; // as received, query string included
      const params = hit.method === 'GET' ? {} : hit.params; // a GET's parameters are in the URL
      const valid = plivo.validateV3Signature(hit.method, url, hit.headers['x-plivo-signature-v3-nonce'], AUTH_TOKEN,
        hit.headers['x-plivo-signature-v3'], params);
      check(valid === true, `${hit.method} ${hit.path} not valid`);
      const forged = plivo.validateV3Signature(hit.method, url, hit.headers['x-plivo-signature-v3-nonce'], 'wrong-token',
        hit.headers['x-plivo-signature-v3'], params);
      check(forged === false, 'a wrong token is refused');
    }
  });
}

async function main() {
  pointPlivoAt(BASE);
  const client = new plivo.Client(AUTH_ID, AUTH_TOKEN);
  const app = new CustomerApp();
  await app.start();
  app.file('/picture.gif', 'image/gif', GIF);
  const state = {};
  try {
    await accounts(client, state);
    await applications(client, state, app);
    await endpoints(client, state);
    await numbers(client, state);
    await pricingAndLookup(client);
    await messaging(client, state, app);
    await calls(client, state, app);
    await recordings(client, state);
    await conferences(client, state, app);
    await xmlBuilder(client, app);
    await signatures(app);
  } finally {
    app.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`conformance script crashed: ${error && error.stack || error}\n`);
  process.exit(2);
});
