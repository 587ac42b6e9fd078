/**
 * The side panels (chat, people): one open at a time, each opened and closed by its toolbar
 * button or its own close button, and closed by Esc. Opening moves focus into the panel because
 * the user asked for it; closing gives focus back to the button if it was inside the panel.
 * Nothing else ever opens a panel or moves focus (an incoming message only counts as unread).
 */
import { byId } from './dom.js';

export type PanelName = 'chat' | 'people';

interface Panel {
  panel: HTMLElement;
  button: HTMLButtonElement;
  close: HTMLButtonElement;
  /** Where focus goes when the panel opens. */
  focus: HTMLElement;
}

export class SidePanels {
  private readonly panels: Record<PanelName, Panel>;
  private openName?: PanelName;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly onChange: (open: PanelName | undefined) => void) {
    this.panels = {
      chat: { panel: byId('chatPanel'), button: byId('buttonChat'), close: byId('closeChat'), focus: byId('chatInput') },
      people: { panel: byId('peoplePanel'), button: byId('buttonPeople'), close: byId('closePeople'), focus: byId('peopleList') },
    };
    for (const name of ['chat', 'people'] as const) {
      const { button, close } = this.panels[name];
      this.listen(button, 'click', () => this.toggle(name));
      this.listen(close, 'click', () => this.close());
    }
    this.listen(document, 'keydown', (event) => {
      // A modal dialog (settings, a message) takes Esc for itself.
      if ((event as KeyboardEvent).key !== 'Escape' || !this.openName || document.querySelector('dialog[open]')) return;
      event.preventDefault();
      this.close();
    });
    this.render();
  }

  isOpen(name: PanelName): boolean {
    return this.openName === name;
  }

  toggle(name: PanelName): void {
    if (this.openName === name) return this.close();
    this.openName = name;
    this.render();
    this.panels[name].focus.focus({ preventScroll: true });
  }

  close(): void {
    const name = this.openName;
    if (!name) return;
    const { panel, button } = this.panels[name];
    const hadFocus = panel.contains(document.activeElement);
    this.openName = undefined;
    this.render();
    if (hadFocus) button.focus({ preventScroll: true });
  }

  destroy(): void {
    this.openName = undefined;
    this.render();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private render(): void {
    for (const name of ['chat', 'people'] as const) {
      const { panel, button } = this.panels[name];
      panel.hidden = this.openName !== name;
      button.setAttribute('aria-expanded', String(this.openName === name));
    }
    this.onChange(this.openName);
  }

  private listen(target: EventTarget, type: string, listener: (event: Event) => void): void {
    target.addEventListener(type, listener);
    this.cleanups.push(() => target.removeEventListener(type, listener));
  }
}
