/** A Web Audio stand-in whose analyser reports `FakeAudioContext.level` dB in every bin. */
export class FakeAudioContext {
  static level = -100;
  static instances: FakeAudioContext[] = [];
  closed = false;
  sources: { disconnected: boolean }[] = [];
  constructor() {
    FakeAudioContext.instances.push(this);
  }
  createMediaStreamSource() {
    const source = { disconnected: false, connect() {}, disconnect() { source.disconnected = true; } };
    this.sources.push(source);
    return source;
  }
  createAnalyser() {
    return {
      fftSize: 2048,
      smoothingTimeConstant: 0.8,
      frequencyBinCount: 8,
      getFloatFrequencyData(bins: Float32Array) {
        bins.fill(FakeAudioContext.level);
        bins[0] = -Infinity;
      },
    };
  }
  async close() {
    this.closed = true;
  }
}
