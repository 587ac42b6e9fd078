import type { Participant } from './Participant.js';

export interface EndpointOwner {
  readonly participant: Participant;
  /** The `endpointName` the protocol uses for this endpoint in `iceCandidate` messages. */
  readonly endpointName: string;
  /** The stream the endpoint carries as `<user>_<streamId>`: unlike `endpointName`, never ambiguous. */
  readonly sender: string;
  readonly kind: 'publisher' | 'subscriber';
}

/** Maps the media engine's endpoint ids back to the participant that owns each endpoint. */
export class EndpointDirectory {
  readonly #owners = new Map<string, EndpointOwner>();
  #seq = 0;

  newId(kind: 'pub' | 'sub', label: string): string {
    return `${kind}-${++this.#seq}-${label}`;
  }

  set(endpointId: string, owner: EndpointOwner): void {
    this.#owners.set(endpointId, owner);
  }

  get(endpointId: string): EndpointOwner | undefined {
    return this.#owners.get(endpointId);
  }

  delete(endpointId: string): void {
    this.#owners.delete(endpointId);
  }

  get size(): number {
    return this.#owners.size;
  }
}
