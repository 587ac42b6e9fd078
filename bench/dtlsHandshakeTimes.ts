/**
 * ICE connected -> DTLS connected of a werift answerer (as the server's endpoints are), 8
 * handshakes in a row against libwebrtc (@roamhq/wrtc) or libdatachannel (node-datachannel), with
 * werift's default role (DTLS client, its ClientHello 100 ms after ICE connects) or as the
 * server's endpoints answer (`server`: DTLS server, early hello kept; src/media/werift/
 * dtlsServerRole.ts). docs/first-frame.md quotes its output.
 *   node --import tsx --conditions=source bench/dtlsHandshakeTimes.ts wrtc|ndc [server]
 */
import wrtc from '@roamhq/wrtc';
import ndc from 'node-datachannel';
import { RTCPeerConnection } from 'werift';
import { answerAsDtlsServer, keepEarlyClientHello } from '../packages/server/src/media/werift/dtlsServerRole.js';
import { skipUnconfiguredStun } from '../packages/server/src/media/werift/iceWorkarounds.js';

const mode = process.argv[2];
if (mode !== 'wrtc' && mode !== 'ndc') throw new Error('usage: dtlsHandshakeTimes.ts wrtc|ndc [server]');
const asServer = process.argv[3] === 'server';

async function once(): Promise<number> {
  const server = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false });
  server.addTransceiver('video', { direction: 'sendonly' });
  let offerSdp: string;
  let applyAnswer: (sdp: string) => Promise<void>;
  let closeClient: () => void;
  if (mode === 'ndc') {
    const client = new ndc.PeerConnection('client', { iceServers: [] });
    const video = new ndc.Video('0', 'RecvOnly');
    video.addVideoCodec(96, 'VP8');
    const track = client.addTrack(video);
    const described = new Promise<void>((resolve) => client.onGatheringStateChange((state) => state === 'complete' && resolve()));
    client.setLocalDescription();
    await described;
    offerSdp = client.localDescription()!.sdp;
    applyAnswer = async (sdp) => client.setRemoteDescription(sdp, 'answer');
    closeClient = () => {
      track.close();
      client.close();
    };
  } else {
    const client = new wrtc.RTCPeerConnection();
    client.addTransceiver('video', { direction: 'recvonly' });
    await client.setLocalDescription(await client.createOffer());
    offerSdp = client.localDescription!.sdp;
    applyAnswer = (sdp) => client.setRemoteDescription({ type: 'answer', sdp });
    closeClient = () => client.close();
  }
  await server.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  skipUnconfiguredStun(server);
  if (asServer) {
    answerAsDtlsServer(server);
    keepEarlyClientHello(server);
  }
  let startedAt = 0;
  const done = new Promise<number>((resolve) => {
    server.dtlsTransports[0]!.onStateChange.subscribe((state) => {
      if (state === 'connecting') startedAt = performance.now();
      if (state === 'connected') resolve(performance.now() - startedAt);
    });
  });
  await server.setLocalDescription(await server.createAnswer());
  await applyAnswer(server.localDescription!.sdp);
  const ms = await Promise.race([done, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
  await server.close();
  closeClient();
  return ms;
}

const times: number[] = [];
for (let i = 0; i < 8; i++) times.push(Math.round(await once()));
console.log(`${mode}, ${asServer ? 'SFU as DTLS server' : "werift's default (DTLS client)"}: ICE connected -> DTLS connected (ms, -1 = none in 5 s): ${times.join(' ')}`);
process.exit(0);
