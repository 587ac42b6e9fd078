/**
 * One face overlay filter as a GStreamer process: the publisher's VP8 RTP goes in over loopback
 * UDP, is decoded, gets an SVG image drawn over each detected face, is re-encoded in real time
 * and comes back as VP8 RTP on another loopback port.
 *
 * gst-launch-1.0 runs under a small shell wrapper that watches its stdin: if this Node process
 * dies without stopping the pipeline, the pipe closes and the wrapper kills gst-launch, so no
 * pipeline outlives the server. The wrapper is the leader of its own process group, which
 * `kill()` signals as a whole.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { RtpPacket } from 'werift';
import type { FaceOverlayFilterSpec } from '../MediaEngine.js';
import { gstTool, type GstreamerOptions } from './gstSupport.js';
import { freeUdpPort } from '../../util/freePort.js';

export interface GstFilterPipelineOptions {
  gst: GstreamerOptions;
  filter: FaceOverlayFilterSpec;
  /** Payload type and clock rate of the publisher's VP8. */
  payloadType: number;
  clockRate: number;
  /** Target bitrate of the re-encoded video, bit/s. */
  bitrate: number;
  /** Longest run of frames without a keyframe in the output. */
  keyFrameMaxDistance: number;
  onPacket(rtp: RtpPacket): void;
  /** The process ended without stop()/kill(); `reason` has its exit status and last error lines. */
  onExit(reason: string): void;
}

const WRAPPER = [
  'exec 3<&0',
  '"$@" </dev/null &',
  'pid=$!',
  // stdin closes when the parent dies (or on stop): end gst-launch then.
  '(cat <&3 >/dev/null; kill $pid 2>/dev/null) &',
  'watcher=$!',
  'wait $pid',
  'status=$?',
  'kill $watcher 2>/dev/null',
  'exit $status',
].join('\n');

function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '0';
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

function bindLoopback(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export function pipelineArgs(o: GstFilterPipelineOptions, inPort: number, outPort: number): string[] {
  const f = o.filter;
  const caps = `application/x-rtp,media=(string)video,clock-rate=(int)${o.clockRate},encoding-name=(string)VP8,payload=(int)${o.payloadType}`;
  return [
    '-q',
    'udpsrc', 'address=127.0.0.1', `port=${inPort}`, `caps=${caps}`, 'buffer-size=1048576', '!',
    'rtpjitterbuffer', 'latency=100', '!',
    'rtpvp8depay', 'wait-for-keyframe=true', '!',
    'vp8dec', '!',
    'videoconvert', '!',
    'faceoverlay', `location=${quote(f.image)}`, `x=${num(f.x)}`, `y=${num(f.y)}`, `w=${num(f.width)}`, `h=${num(f.height)}`, '!',
    'videoconvert', '!', 'video/x-raw,format=I420', '!',
    'vp8enc', 'deadline=1', 'cpu-used=8', 'end-usage=cbr', `target-bitrate=${Math.round(o.bitrate)}`,
    `keyframe-max-dist=${o.keyFrameMaxDistance}`, 'lag-in-frames=0', 'threads=2', 'error-resilient=default', '!',
    'rtpvp8pay', `pt=${o.payloadType}`, 'mtu=1200', 'picture-id-mode=15-bit', '!',
    'udpsink', 'host=127.0.0.1', `port=${outPort}`, 'sync=false', 'async=false',
  ];
}

export class GstFilterPipeline {
  readonly #child: ChildProcess;
  readonly #socket: Socket;
  readonly #inPort: number;
  readonly #options: GstFilterPipelineOptions;
  #ended = false;
  #stopping = false;
  #stderrTail = '';
  readonly #exited: Promise<void>;

  /** Spawns the process; rejects if it cannot be started at all. */
  static async start(options: GstFilterPipelineOptions): Promise<GstFilterPipeline> {
    const socket = await bindLoopback();
    let inPort: number;
    try {
      inPort = await freeUdpPort();
    } catch (error) {
      socket.close();
      throw error;
    }
    const child = spawn('sh', ['-c', WRAPPER, 'kurento-room-filter', gstTool(options.gst, 'gst-launch-1.0'), ...pipelineArgs(options, inPort, socket.address().port)], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    const pipeline = new GstFilterPipeline(child, socket, inPort, options);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((error: unknown) => {
      pipeline.kill();
      throw error;
    });
    return pipeline;
  }

  private constructor(child: ChildProcess, socket: Socket, inPort: number, options: GstFilterPipelineOptions) {
    this.#child = child;
    this.#socket = socket;
    this.#inPort = inPort;
    this.#options = options;
    child.stdin!.on('error', () => {});
    child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-4000);
    });
    socket.on('message', (message, remote) => {
      if (this.#ended || remote.address !== '127.0.0.1') return;
      let rtp: RtpPacket;
      try {
        rtp = RtpPacket.deSerialize(message);
      } catch {
        return;
      }
      options.onPacket(rtp);
    });
    socket.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#ended = true;
        this.#socket.close();
        // The watcher's cat holds the other end of stdin; closing ours lets it end too.
        child.stdin!.destroy();
        if (!this.#stopping) options.onExit(`filter process exited (${signal ?? `code ${code}`})${this.#errorLines()}`);
        resolve();
      });
      child.once('error', () => {
        if (child.pid === undefined) {
          this.#ended = true;
          try {
            this.#socket.close();
          } catch {
            // already closed
          }
          resolve();
        }
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#ended;
  }

  #errorLines(): string {
    const lines = this.#stderrTail
      .split('\n')
      .map((l) => l.trim())
      // OpenCV complains about optional cascades (nose, mouth, eyes) that faceoverlay never uses.
      .filter((l) => l && !l.includes('persistence.cpp'));
    return lines.length > 0 ? `: ${lines.slice(-3).join(' | ')}` : '';
  }

  /** Hands one original packet to the pipeline. */
  send(rtp: RtpPacket): void {
    if (this.#ended) return;
    this.#socket.send(rtp.serialize(), this.#inPort, '127.0.0.1');
  }

  /** Ends the process (wrapper and gst-launch); resolves once it has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (!this.#ended) {
      this.#child.stdin!.end();
      const timer = setTimeout(() => this.kill(), 1000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** Kills the whole process group at once. */
  kill(): void {
    this.#stopping = true;
    if (this.#ended || this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  exited(): Promise<void> {
    return this.#exited;
  }
}
