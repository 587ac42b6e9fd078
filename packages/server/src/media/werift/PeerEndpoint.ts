/**
 * What publishers and subscribers share: one werift RTCPeerConnection answering one client
 * offer, trickling its candidates out, reporting its state, and closing without leaving sockets.
 * werift's events call subscribers synchronously from its socket handlers, so every callback
 * registered here is wrapped: an exception must never unwind into werift's I/O path.
 */
import { RTCPeerConnection, type PeerConfig } from 'werift';
import type { EndpointFault, EndpointState, IceCandidateInit } from '../MediaEngine.js';
import { MediaEngineError } from '../MediaEngine.js';
import { countSrtpSession, type Counters } from './counters.js';
import { tidyAnswer } from './answerSdp.js';
import { answerAsDtlsServer, decryptWithReusedCipher, keepEarlyClientHello } from './dtlsServerRole.js';
import { hasStunServer, skipUnconfiguredStun, watchNomination } from './iceWorkarounds.js';
import type { LivenessMonitor } from './LivenessMonitor.js';
import type { SharedIcePorts } from './sharedPort/SharedIcePorts.js';
import { errorMessage, type MediaLogFn } from './log.js';
import { inboundActivity } from './peerActivity.js';
import { SetupTimeline } from './SetupTimeline.js';

export interface EndpointContext {
  counters: Counters;
  log: MediaLogFn;
  peerConfig: Partial<PeerConfig>;
  liveness: LivenessMonitor;
  /** The engine's shared ICE ports, being opened; undefined when werift binds its own sockets. */
  sharedPorts: Promise<SharedIcePorts> | undefined;
  onCandidate(endpointId: string, candidate: IceCandidateInit): void;
  onState(endpointId: string, state: EndpointState, fault?: EndpointFault): void;
  onError(endpointId: string, message: string): void;
}

const STATES: Partial<Record<string, EndpointState>> = {
  connecting: 'connecting',
  connected: 'connected',
  disconnected: 'disconnected',
  failed: 'failed',
  closed: 'closed',
};

/** Longest wait for ICE gathering before closing anyway. */
const GATHERING_WAIT_MS = 2000;

export abstract class PeerEndpoint {
  readonly id: string;
  protected readonly ctx: EndpointContext;
  protected readonly pc: RTCPeerConnection;
  /** Set-up milestones, logged once at debug level (see SetupTimeline). */
  protected readonly timeline = new SetupTimeline();
  #state: EndpointState | undefined;
  #closed = false;
  readonly #disposers: Array<() => void> = [];

  protected constructor(id: string, ctx: EndpointContext, config: Partial<PeerConfig>) {
    this.id = id;
    this.ctx = ctx;
    this.pc = new RTCPeerConnection({ ...ctx.peerConfig, ...config });
    this.listen(this.pc.onIceCandidate, (candidate) => {
      const json = candidate?.toJSON?.() ?? candidate;
      if (!json?.candidate) return;
      this.timeline.mark('firstLocalCandidate');
      this.ctx.onCandidate(this.id, {
        candidate: json.candidate,
        sdpMid: json.sdpMid ?? '0',
        sdpMLineIndex: json.sdpMLineIndex ?? 0,
      });
    });
    this.listen(this.pc.connectionStateChange, (state) => {
      const mapped = STATES[state];
      if (mapped === 'failed') this.fail({ cause: this.pc.iceConnectionState === 'failed' ? 'ice-failed' : 'dtls-failed' });
      else if (mapped && mapped !== 'closed') this.setState(mapped);
      if (mapped === 'connected') this.timeline.mark('connected');
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get state(): EndpointState | undefined {
    return this.#state;
  }

  /** Subscribes to a werift event with an exception barrier, unsubscribed on close. */
  protected listen<T extends unknown[]>(
    event: { subscribe(fn: (...args: T) => void): { unSubscribe: () => void } },
    handler: (...args: T) => void,
  ): void {
    const { unSubscribe } = event.subscribe((...args: T) => {
      if (this.#closed) return;
      try {
        handler(...args);
      } catch (error) {
        this.ctx.log('error', 'media endpoint handler failed', { endpointId: this.id, error: errorMessage(error) });
      }
    });
    this.#disposers.push(unSubscribe);
  }

  protected onDispose(fn: () => void): void {
    this.#disposers.push(fn);
  }

  /** A failed endpoint stays failed: nothing werift reports afterwards revives it for its owner. */
  protected setState(state: EndpointState, fault?: EndpointFault): void {
    if (this.#state === state || this.#state === 'failed' || (this.#closed && state !== 'closed')) return;
    this.#state = state;
    this.onStateChange(state);
    this.ctx.onState(this.id, state, fault);
  }

  /** Reports the endpoint dead, once; its owner releases it. */
  fail(fault: EndpointFault): void {
    if (this.#closed || this.#state === 'failed') return;
    this.setState('failed', fault);
    this.ctx.liveness.unwatch(this.id);
  }

  /**
   * Watches for the death of the remote peer once the connection is negotiated: werift's pc state
   * misses a DTLS close_notify (a remote pc.close() arrives as the DTLS transport going 'closed'
   * and nothing else), learns of a silent peer only after 30 s of consent expiry, and never of a
   * client that died before its first connectivity check.
   */
  #watchRemote(): void {
    for (const transport of this.pc.dtlsTransports) {
      this.listen(transport.onStateChange, (state) => {
        if (state === 'closed') this.fail({ cause: 'dtls-closed' });
        else if (state === 'failed') this.fail({ cause: 'dtls-failed' });
      });
    }
    this.ctx.liveness.watch(this.id, {
      activity: () => inboundActivity(this.pc),
      onSilent: (silentMs) => this.fail({ cause: 'inactive', silentMs }),
    });
    this.onDispose(() => this.ctx.liveness.unwatch(this.id));
  }

  /** Hook for subclasses, called before the state is announced. */
  protected onStateChange(_state: EndpointState): void {}

  /** Applies the (already trimmed) offer and returns werift's answer. Errors become 'sdp'. */
  protected async answer(offerSdp: string, beforeAnswer?: () => void): Promise<string> {
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      this.#watchTransports();
      if (!hasStunServer(this.ctx.peerConfig)) skipUnconfiguredStun(this.pc);
      if (this.ctx.sharedPorts) await this.#attachSharedPorts(this.ctx.sharedPorts);
      answerAsDtlsServer(this.pc);
      this.onDispose(keepEarlyClientHello(this.pc, () => this.#dtlsRepeatDropped()));
      beforeAnswer?.();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
    } catch (error) {
      if (error instanceof MediaEngineError) throw error;
      throw new MediaEngineError('sdp', `cannot negotiate the offer: ${errorMessage(error)}`);
    }
    if (this.#closed) throw new MediaEngineError('closed', `endpoint ${this.id} was released during negotiation`);
    this.#watchRemote();
    this.onDispose(
      watchNomination(this.pc, () => this.ctx.log('warn', 'ICE: the remote peer did not nominate a valid pair; adopting the best one', { endpointId: this.id })),
    );
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new MediaEngineError('internal', 'werift produced no local description');
    this.timeline.mark('answered');
    return tidyAnswer(sdp);
  }

  /** Puts ICE on the engine's shared ports, before setLocalDescription gathers. */
  async #attachSharedPorts(sharedPorts: Promise<SharedIcePorts>): Promise<void> {
    let ports: SharedIcePorts;
    try {
      ports = await sharedPorts;
    } catch (error) {
      throw new MediaEngineError('internal', errorMessage(error));
    }
    // Released while the ports opened: attaching now would register a connection nobody closes.
    if (this.#closed) throw new MediaEngineError('closed', `endpoint ${this.id} was released during negotiation`);
    try {
      this.onDispose(ports.attach(this.pc));
    } catch (error) {
      throw new MediaEngineError('internal', `cannot put the connection on the shared ICE ports: ${errorMessage(error)}`);
    }
  }

  /**
   * The transports' own states, for the timeline (werift's connection-level ICE state says
   * 'completed' when gathering ends), and DTLS connected: the SRTP session's decrypt (dtlsServerRole.ts),
   * its profile counted, then onDtlsConnected.
   */
  #watchTransports(): void {
    for (const transport of this.pc.dtlsTransports) {
      this.listen(transport.iceTransport.onStateChange, (state) => {
        if (state === 'checking') this.timeline.mark('iceChecking');
        else if (state === 'connected') this.timeline.mark('iceConnected');
      });
      this.listen(transport.onStateChange, (state) => {
        if (state === 'connecting') this.timeline.mark('dtlsConnecting');
        else if (state === 'connected') {
          this.timeline.mark('dtlsConnected');
          countSrtpSession(this.ctx.counters, decryptWithReusedCipher(transport));
          this.onDtlsConnected();
        }
      });
    }
  }

  /**
   * Hook for subclasses: a DTLS transport completed its handshake, so SRTP can flow on it. This
   * comes before the connection state's 'connected', which werift reports only once SCTP (the
   * data channels) is up as well.
   */
  protected onDtlsConnected(): void {}

  /** The DTLS server ignored a retransmitted handshake message (dtlsRepeatGuard.ts). */
  #dtlsRepeatDropped(): void {
    this.ctx.counters.dtlsRepeatsDropped++;
    this.ctx.log('debug', 'DTLS: ignored a retransmitted handshake message', { endpointId: this.id });
  }

  /** Logs the set-up timeline (once per endpoint; at close at the latest). */
  protected logTimeline(): void {
    const record = this.timeline.finish();
    if (record) this.ctx.log('debug', 'endpoint set-up timeline', { endpointId: this.id, ...record });
  }

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    if (this.#closed) throw new MediaEngineError('unknown-endpoint', `endpoint ${this.id} is closed`);
    this.timeline.mark('firstRemoteCandidate');
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      throw new MediaEngineError('candidate', `candidate rejected for endpoint ${this.id}: ${errorMessage(error)}`);
    }
  }

  /** Closes the connection and its sockets; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const dispose of this.#disposers.splice(0)) {
      try {
        dispose();
      } catch {
        // A disposer of a half-built endpoint may find nothing to undo.
      }
    }
    this.onClose();
    this.logTimeline();
    this.#state = 'closed';
    try {
      await this.#gatheringDone();
      await this.pc.close();
    } catch (error) {
      this.ctx.log('warn', 'closing peer connection failed', { endpointId: this.id, error: errorMessage(error) });
    }
  }

  /**
   * werift's close() closes the sockets its ICE agent holds at that moment, but a gathering still
   * in progress binds more afterwards and they stay open forever (seen when a client leaves right
   * after its offer was answered). Gathering local host addresses takes milliseconds, so wait for
   * it to finish, bounded in case it never reports.
   */
  async #gatheringDone(): Promise<void> {
    if (!this.pc.localDescription || this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, GATHERING_WAIT_MS);
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') finish();
      });
      function finish() {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  }

  /** Hook for subclasses: detach from other endpoints before the connection goes. */
  protected onClose(): void {}
}
