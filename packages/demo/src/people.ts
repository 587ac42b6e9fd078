/**
 * The people panel: everyone in the room, oneself first, with what their streams say: microphone
 * off, camera off, sharing their screen, speaking. Rebuilt from plain rows whenever something
 * changes (a room holds at most a few dozen people, and only the open panel is rebuilt).
 */
import { byId, el } from './dom.js';

export interface Person {
  name: string;
  you: boolean;
  /** Whether they publish a camera / microphone at all (someone who only watches has neither). */
  publishing: boolean;
  audioOn: boolean;
  videoOn: boolean;
  sharing: boolean;
  speaking: boolean;
}

export class PeoplePanel {
  private readonly list = byId('peopleList');
  private readonly title = byId('peopleTitle');

  render(people: Person[]): void {
    this.title.textContent = `People (${people.length})`;
    this.list.replaceChildren(...people.map((person) => this.row(person)));
  }

  private row(person: Person): HTMLElement {
    const item = el('li', 'person');
    item.dataset.user = person.name;
    item.classList.toggle('speaking', person.speaking);
    const avatar = el('span', 'avatar', [...person.name][0]?.toUpperCase() ?? '?');
    avatar.setAttribute('aria-hidden', 'true');
    const name = el('span', 'person-name', person.you ? `${person.name} (you)` : person.name);
    const states = [
      !person.publishing && 'not sending video',
      person.publishing && !person.audioOn && 'microphone off',
      person.publishing && !person.videoOn && 'camera off',
      person.sharing && 'sharing their screen',
      person.speaking && 'speaking',
    ].filter((s): s is string => !!s);
    const state = el('span', 'person-state', states.join(', '));
    item.append(avatar, name, state);
    return item;
  }
}
