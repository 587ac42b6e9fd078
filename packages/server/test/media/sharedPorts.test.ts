/**
 * ICE on shared ports: the demultiplexing of the shared UDP socket and TCP listener on raw
 * sockets, then the werift engine against real libwebrtc peers (@roamhq/wrtc) with every peer
 * connection on one UDP port, one of them reached over ICE-TCP only, and the range mode.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { Message, classes, methods } from 'werift';
import type { MediaEngine } from '../../src/media/MediaEngine.js';
import { IceTcpMux, type TcpSocketHandoff } from '../../src/media/werift/sharedPort/IceTcpMux.js';
import { IceUdpMux, MAX_ADDRESSES_PER_CONNECTION } from '../../src/media/werift/sharedPort/IceUdpMux.js';
import { bindingRequestUfrag } from '../../src/media/werift/sharedPort/stunUsername.js';
import { WeriftMediaEngine, type WeriftMediaEngineOptions } from '../../src/media/werift/WeriftMediaEngine.js';
import { waitUntil, type CandidateInit, type PublisherPeer, type SubscriberPeer } from '../helpers/wrtcPeers.js';
import { CandidateRouter, publish, subscribe, TestPeers } from './wiring.js';

const MEDIA_TIMEOUT = 20_000;

function bindingRequest(username: string | undefined, cls: number = classes.REQUEST): Buffer {
  const message = new Message(methods.BINDING, cls);
  if (username !== undefined) message.setAttribute('USERNAME', username);
  message.addMessageIntegrity(Buffer.from('0123456789abcdefghijkl'));
  message.addFingerprint();
  return Buffer.from(message.bytes);
}

const frame = (data: Buffer): Buffer => Buffer.concat([Buffer.from([data.length >> 8, data.length & 0xff]), data]);

describe('STUN USERNAME parsing', () => {
  it("reads the receiver's fragment of a Binding request", () => {
    assert.equal(bindingRequestUfrag(bindingRequest('Ab+/12cd:remote')), 'Ab+/12cd');
    assert.equal(bindingRequestUfrag(bindingRequest('solo')), 'solo');
  });

  it('answers undefined for everything else', () => {
    assert.equal(bindingRequestUfrag(bindingRequest('ab:cd', classes.RESPONSE)), undefined, 'a response');
    assert.equal(bindingRequestUfrag(bindingRequest(undefined)), undefined, 'no USERNAME');
    assert.equal(bindingRequestUfrag(bindingRequest(':cd')), undefined, 'empty fragment');
    const request = bindingRequest('abcd:efgh');
    assert.equal(bindingRequestUfrag(request.subarray(0, request.length - 4)), undefined, 'truncated');
    assert.equal(bindingRequestUfrag(Buffer.from([22, 254, 253, ...new Array(40).fill(0)])), undefined, 'DTLS');
    assert.equal(bindingRequestUfrag(Buffer.from([0x80, 96, ...new Array(40).fill(1)])), undefined, 'RTP');
    assert.equal(bindingRequestUfrag(Buffer.alloc(0)), undefined, 'empty');
    const badCookie = Buffer.from(request);
    badCookie[4] = 0;
    assert.equal(bindingRequestUfrag(badCookie), undefined, 'no magic cookie');
    // An attribute whose length runs past the message.
    const overrun = Buffer.from(request);
    overrun.writeUInt16BE(0xfff0, 22);
    assert.equal(bindingRequestUfrag(overrun), undefined, 'attribute overrun');
  });
});

describe('shared UDP socket', () => {
  const sockets: UdpSocket[] = [];
  const client = async (): Promise<UdpSocket> => {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket;
  };
  const send = (socket: UdpSocket, port: number, data: Buffer) => new Promise<void>((resolve) => socket.send(data, port, '127.0.0.1', () => resolve()));
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  it('routes by username fragment, then by the address it came from; drops and counts the rest', async () => {
    const mux = await IceUdpMux.bind({ port: 0, host: '127.0.0.1' });
    try {
      const a = mux.register('aaaa1111');
      const b = mux.register('bbbb2222');
      const got: Array<[string, string]> = [];
      a.onData = (data) => got.push(['a', data.subarray(0, 1).toString('hex')]);
      b.onData = (data) => got.push(['b', data.subarray(0, 1).toString('hex')]);
      const alice = await client();
      const bob = await client();
      const stranger = await client();
      await send(alice, mux.port, bindingRequest('aaaa1111:x'));
      await send(bob, mux.port, bindingRequest('bbbb2222:y'));
      await waitUntil(() => got.length === 2, 5_000, 'two Binding requests delivered');
      await send(alice, mux.port, Buffer.from([0x80, 1, 2, 3]));
      await send(bob, mux.port, Buffer.from([0x17, 1, 2, 3]));
      await send(stranger, mux.port, Buffer.from([0x80, 1, 2, 3]));
      await send(stranger, mux.port, bindingRequest('nobody00:z'));
      await waitUntil(() => got.length === 4 && mux.dropped.unknownAddress === 1 && mux.dropped.unknownUfrag === 1, 5_000, 'routed and dropped');
      assert.deepEqual(got.sort(), [['a', '00'], ['a', '80'], ['b', '00'], ['b', '17']]);
      assert.deepEqual([mux.connections, mux.addresses], [2, 2]);
      // A connection that closes takes its fragment and addresses with it.
      await a.close();
      assert.deepEqual([mux.connections, mux.addresses], [1, 1]);
      await send(alice, mux.port, Buffer.from([0x80, 1, 2, 3]));
      await send(alice, mux.port, bindingRequest('aaaa1111:x'));
      await waitUntil(() => mux.dropped.unknownAddress === 2 && mux.dropped.unknownUfrag === 2, 5_000, 'traffic of a closed connection dropped');
      assert.equal(got.length, 4);
    } finally {
      await mux.close();
    }
  });

  it('learns the address a connection sends to first, so that the answer to its check arrives', async () => {
    const mux = await IceUdpMux.bind({ port: 0, host: '127.0.0.1' });
    try {
      const a = mux.register('aaaa1111');
      const got: Buffer[] = [];
      a.onData = (data) => got.push(data);
      const remote = await client();
      const port = remote.address().port;
      await a.send(Buffer.from([0, 1]), ['127.0.0.1', port]);
      await send(remote, mux.port, bindingRequest('x:y', classes.RESPONSE));
      await waitUntil(() => got.length === 1, 5_000, 'the response delivered');
    } finally {
      await mux.close();
    }
  });

  it('bounds the addresses of one connection and the connections of one socket', async () => {
    const mux = await IceUdpMux.bind({ port: 0, host: '127.0.0.1', maxConnections: 2 });
    try {
      const a = mux.register('aaaa1111');
      let delivered = 0;
      a.onData = () => delivered++;
      const from = await Promise.all(Array.from({ length: MAX_ADDRESSES_PER_CONNECTION + 4 }, () => client()));
      for (const socket of from) await send(socket, mux.port, bindingRequest('aaaa1111:x'));
      await waitUntil(() => delivered === from.length, 5_000, 'every check delivered');
      assert.equal(mux.addresses, MAX_ADDRESSES_PER_CONNECTION);
      assert.equal(a.addresses.length, MAX_ADDRESSES_PER_CONNECTION);
      // The oldest addresses were forgotten: their media is now unknown traffic.
      await send(from[0]!, mux.port, Buffer.from([0x80, 0]));
      await send(from.at(-1)!, mux.port, Buffer.from([0x80, 0]));
      await waitUntil(() => delivered === from.length + 1 && mux.dropped.unknownAddress === 1, 5_000, 'oldest forgotten, newest kept');
      mux.register('bbbb2222');
      assert.throws(() => mux.register('cccc3333'), /already carries 2 connections/);
      assert.throws(() => mux.register('bbbb2222'), /already registered/);
    } finally {
      await mux.close();
    }
  });
});

describe('shared ICE-TCP listener', () => {
  const sockets: Socket[] = [];
  const dial = (port: number): Socket => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    sockets.push(socket);
    return socket;
  };
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('hands a socket to the connection its first check names, with the bytes that followed', async () => {
    const mux = await IceTcpMux.listen({ port: 0, host: '127.0.0.1' });
    try {
      const handoffs: TcpSocketHandoff[] = [];
      const unregister = mux.register('tcpufrag', (h) => handoffs.push(h));
      const socket = dial(mux.port);
      const request = bindingRequest('tcpufrag:them');
      // The check and the start of the next frame in one write, the rest later.
      const next = frame(Buffer.from('hello'));
      socket.write(Buffer.concat([frame(request), next.subarray(0, 3)]));
      await waitUntil(() => handoffs.length === 1, 5_000, 'socket handed over');
      assert.deepEqual(handoffs[0]!.firstFrame, request);
      assert.deepEqual(handoffs[0]!.rest, next.subarray(0, 3));
      assert.equal(handoffs[0]!.remote[0], '127.0.0.1');
      assert.equal(mux.pendingSockets, 0);
      unregister();
      assert.equal(mux.connections, 0);
    } finally {
      await mux.close();
    }
  });

  it('closes and counts sockets that send no check, name nobody, or stay silent', async () => {
    const mux = await IceTcpMux.listen({ port: 0, host: '127.0.0.1', identifyTimeoutMs: 300 });
    try {
      mux.register('tcpufrag', () => assert.fail('nothing may be handed over'));
      const garbage = dial(mux.port);
      garbage.write(frame(Buffer.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
      const huge = dial(mux.port);
      huge.write(Buffer.from([0xff, 0xff, 0, 1, 0, 0]));
      const stranger = dial(mux.port);
      stranger.write(frame(bindingRequest('nobody00:them')));
      const silent = dial(mux.port);
      await Promise.all([closed(garbage), closed(huge), closed(stranger), closed(silent)]);
      assert.deepEqual(mux.dropped, { notStun: 2, unknownUfrag: 1, overflow: 0, timeout: 1 });
      assert.equal(mux.pendingSockets, 0);
    } finally {
      await mux.close();
    }
  });
});

const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
const portOf = (candidate: string) => Number(candidate.split(' ')[5]);
const protocolOf = (candidate: string) => candidate.split(' ')[2]!.toLowerCase();
/** The candidates in an SDP, as `candidate:...` strings. */
const sdpCandidates = (sdp: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.slice(2));

describe('werift engine on shared ports', () => {
  let engine: WeriftMediaEngine | undefined;
  const peers = new TestPeers({ width: 160, height: 120 });
  const start = (options: WeriftMediaEngineOptions = {}): { engine: WeriftMediaEngine; router: CandidateRouter } => {
    engine = new WeriftMediaEngine(options);
    return { engine, router: new CandidateRouter(engine as MediaEngine) };
  };
  afterEach(async () => {
    peers.closeAll();
    await engine?.close();
    engine = undefined;
  });
  after(async () => {
    await waitUntil(() => udpSockets() === 0, 5_000, 'all UDP sockets closed');
  });

  it('puts the connections of different users on one UDP port, one socket, and forwards between them', async () => {
    const { engine, router } = start();
    const ports = await engine.icePorts();
    assert.ok(ports?.udpPort, 'the engine reports its shared UDP port');
    const before = udpSockets();
    const alice = peers.pub();
    const bob = peers.pub();
    const answers = [await publish(engine, router, 'alice_webcam', alice), await publish(engine, router, 'bob_webcam', bob)];
    const carol = peers.sub();
    answers.push(await subscribe(engine, router, 'carol_alice', 'alice_webcam', carol));
    const dave = peers.sub();
    answers.push(await subscribe(engine, router, 'dave_bob', 'bob_webcam', dave));
    await Promise.all([carol.waitForFrames(5, MEDIA_TIMEOUT), dave.waitForFrames(5, MEDIA_TIMEOUT)]);
    // Four peer connections, and not one UDP socket more than before the first.
    assert.equal(udpSockets(), before);
    for (const id of ['alice_webcam', 'bob_webcam', 'carol_alice', 'dave_bob']) {
      const candidates = [...(router.seen.get(id) ?? []).map((c) => c.candidate), ...sdpCandidates(answers.shift()!)];
      assert.ok(candidates.length > 0, `${id}: no candidate`);
      for (const c of candidates) assert.equal(portOf(c), ports.udpPort, `${id}: ${c}`);
    }
    const info = await engine.icePorts();
    assert.equal(info?.udpConnections, 4);
    // The forwarded video went straight onto the socket (SenderFastPath's path), not through
    // werift's promise-per-packet send.
    assert.ok((info?.udpMediaDatagramsSent ?? 0) > 0, JSON.stringify(info));
    // A stranger's datagram reaches nobody, and is counted.
    const droppedBefore = (await engine.stats()).iceDroppedDatagrams ?? 0;
    const stranger = createSocket('udp4');
    await new Promise<void>((resolve) => stranger.send(Buffer.from([0x80, 0, 0, 1]), ports.udpPort!, '127.0.0.1', () => resolve()));
    stranger.close();
    const deadline = Date.now() + 10_000;
    while (((await engine.stats()).iceDroppedDatagrams ?? 0) === droppedBefore) {
      assert.ok(Date.now() < deadline, 'the stray datagram was not counted');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await engine.stats()).iceDroppedDatagrams, droppedBefore + 1);
    // Releasing takes the connections off the socket.
    await engine.release('alice_webcam');
    await engine.release('bob_webcam');
    assert.deepEqual([(await engine.icePorts())?.udpConnections, (await engine.icePorts())?.udpAddresses], [0, 0]);
  });

  it('connects a peer whose UDP is blocked over ICE-TCP, and it decodes the video', async () => {
    const { engine, router } = start({ iceTcpPort: 0 });
    const ports = await engine.icePorts();
    assert.ok(ports?.tcpPort, 'the engine reports its ICE-TCP port');
    const alice = peers.pub();
    await publish(engine, router, 'alice_webcam', alice);
    // "UDP blocked": neither side learns a UDP candidate of the other, so no UDP check is ever sent.
    const tcpOnly = (c: CandidateInit) => protocolOf(c.candidate) === 'tcp';
    const viewer = blockUdp(peers.sub(), tcpOnly);
    router.attach('viewer', viewer);
    viewer.onLocalCandidate((c) => {
      if (tcpOnly(c)) void engine.addIceCandidate('viewer', c).catch(() => {});
    });
    const offer = stripUdpCandidates(await viewer.createOffer());
    const { sdpAnswer } = await engine.subscribe({ endpointId: 'viewer', publisherId: 'alice_webcam', sdpOffer: offer, dataChannels: false });
    assert.ok(sdpCandidates(sdpAnswer).some((c) => protocolOf(c) === 'tcp' && portOf(c) === ports.tcpPort && / tcptype passive/.test(c)), sdpAnswer);
    await viewer.setAnswer(stripUdpCandidates(sdpAnswer));
    await viewer.waitForFrames(5, MEDIA_TIMEOUT);
    // The frames came over TCP: the viewer's selected pair is a TCP one.
    assert.equal(await selectedProtocol(viewer), 'tcp');
    assert.equal((await engine.icePorts())?.tcpConnections, 2);
  });

  it('still binds sockets of its own per connection within icePortRange', async () => {
    const { engine, router } = start({ icePortRange: [46000, 46999] });
    assert.equal(await engine.icePorts(), undefined);
    const alice = peers.pub();
    const carol = peers.sub();
    const answers = [await publish(engine, router, 'alice_webcam', alice), await subscribe(engine, router, 'carol_alice', 'alice_webcam', carol)];
    await carol.waitForFrames(5, MEDIA_TIMEOUT);
    const portsOf = (id: string, sdp: string) => new Set([...(router.seen.get(id) ?? []).map((c) => c.candidate), ...sdpCandidates(sdp)].map(portOf));
    const a = portsOf('alice_webcam', answers[0]!);
    const c = portsOf('carol_alice', answers[1]!);
    for (const port of [...a, ...c]) assert.ok(port >= 46000 && port <= 46999, String(port));
    assert.equal([...a].filter((p) => c.has(p)).length, 0, 'each connection has ports of its own');
  });

  it('refuses contradictory options', () => {
    assert.throws(() => new WeriftMediaEngine({ icePortRange: [40000, 40010], iceUdpPort: 40000 }), /exclude each other/);
    assert.throws(() => new WeriftMediaEngine({ iceUdpPort: 70000 }), /iceUdpPort must be an integer from 0 to 65535/);
    assert.throws(() => new WeriftMediaEngine({ iceUseIpv6: true }), /iceUseIpv6 needs icePortRange/);
  });
});

function stripUdpCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !(l.startsWith('a=candidate:') && protocolOf(l.slice(2)) === 'udp'))
    .join('\r\n');
}

/** The peer takes only the remote candidates `keep` allows. */
function blockUdp(peer: SubscriberPeer, keep: (c: CandidateInit) => boolean): SubscriberPeer {
  const add = peer.addRemoteCandidate.bind(peer);
  peer.addRemoteCandidate = async (c: CandidateInit) => (keep(c) ? add(c) : undefined);
  return peer;
}

async function selectedProtocol(peer: PublisherPeer | SubscriberPeer): Promise<string | undefined> {
  const report = await peer.pc.getStats();
  const stats = [...(report as unknown as Map<string, Record<string, unknown>>).values()];
  const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const local = stats.find((s) => s.id === pair?.localCandidateId);
  return typeof local?.protocol === 'string' ? local.protocol : undefined;
}
