/** Small DOM helpers. Everything user-supplied goes through `textContent`, never `innerHTML`. */

/** The element with `id`; a missing one is a bug in index.html, so fail loudly. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

/** Creates an element with a class and, optionally, text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A copy of the first element of `<template id>` (markup stays in index.html, under the page's CSP). */
export function cloneTemplate<T extends HTMLElement = HTMLElement>(id: string): T {
  const template = byId<HTMLTemplateElement>(id);
  const element = template.content.firstElementChild?.cloneNode(true);
  if (!(element instanceof HTMLElement)) throw new Error(`<template id="${id}"> has no element`);
  return element as T;
}

/** Sets a button's visible label (its `.label` span) and tooltip, which is also its accessible name. */
export function setLabel(button: HTMLElement, label: string): void {
  const span = button.querySelector('.label');
  if (span) span.textContent = label;
  else button.setAttribute('aria-label', label);
  button.title = label;
}
