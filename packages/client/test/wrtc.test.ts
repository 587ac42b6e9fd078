// The client driven by a real WebRTC stack in Node (@roamhq/wrtc), against a scripted server that
// answers with its own wrtc peer connection: offer/answer, trickle ICE routed by endpointName and
// a data channel, all over the room protocol. (No media tracks: wrtc's track sources crash the
// process at exit on this machine, see the report; receive-only transceivers and data are fine.)
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { FakeRoomServer, SESSION_ID } from './support/fakeServer.js';
import { connect, nextEvent, until } from './support/harness.js';

const require = createRequire(import.meta.url);
const wrtc = require('@roamhq/wrtc');

test('subscribe with @roamhq/wrtc injected: ICE connects through the protocol and data arrives', async () => {
  let serverPc: RTCPeerConnection | undefined;
  const early: RTCIceCandidateInit[] = [];
  const server = await FakeRoomServer.start({
    joinRoom: () => ({ value: [{ id: 'alice', streams: [{ id: 'webcam' }] }], sessionId: SESSION_ID }),
    receiveVideoFrom: async (params, srv) => {
      assert.equal(params.sender, 'alice_webcam');
      const pc: RTCPeerConnection = new wrtc.RTCPeerConnection();
      serverPc = pc;
      pc.onicecandidate = (e) => {
        if (e.candidate) {
          srv.notify('iceCandidate', { endpointName: 'alice', candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex });
        }
      };
      pc.ondatachannel = (e) => {
        const channel = e.channel;
        const send = () => channel.send('hello from alice');
        if (channel.readyState === 'open') send();
        else channel.onopen = send;
      };
      await pc.setRemoteDescription({ type: 'offer', sdp: String(params.sdpOffer) });
      await pc.setLocalDescription(await pc.createAnswer());
      for (const c of early.splice(0)) await pc.addIceCandidate(c);
      return { sdpAnswer: pc.localDescription!.sdp, sessionId: SESSION_ID };
    },
    onIceCandidate: async (params) => {
      assert.equal(params.endpointName, 'alice');
      const candidate = { candidate: String(params.candidate), sdpMid: String(params.sdpMid), sdpMLineIndex: Number(params.sdpMLineIndex) };
      if (serverPc?.remoteDescription) await serverPc.addIceCandidate(candidate);
      else early.push(candidate);
      return { sessionId: SESSION_ID };
    },
  });
  const kurento = await connect(server, { RTCPeerConnection: wrtc.RTCPeerConnection, requestTimeout: 5000 });
  try {
    const room = kurento.Room({ room: 'r1', user: 'bob' });
    const local = kurento.Stream(room, { audio: false, video: false, data: true });
    await local.init();
    const subscribed = nextEvent(room, 'stream-subscribed', 5000);
    await room.connect();
    const { stream } = await subscribed;
    const offer = String(server.requests('receiveVideoFrom')[0]!.params!.sdpOffer);
    assert.match(offer, /m=audio[\s\S]*a=recvonly/);
    assert.match(offer, /m=video[\s\S]*a=recvonly/);
    assert.match(offer, /m=application/);
    const data = await nextEvent(stream, 'data', 8000);
    assert.equal(data.data, 'hello from alice');
    const clientPc = stream.getRTCPeerConnection()!;
    await until(() => ['connected', 'completed'].includes(clientPc.iceConnectionState), 'client ICE connected', 8000);
    assert.ok(server.requests('onIceCandidate').length > 0, 'client candidates went over the protocol');
  } finally {
    await kurento.close(true);
    serverPc?.close();
    await server.close();
  }
});
