/**
 * The order of a group's speakers, loudest first, without reshuffling on every small change: two
 * people talking at about the same level would otherwise swap places (and the room's main
 * video) several times a second. Pure.
 *
 * Speakers already ranked keep their relative order unless one has become louder than the one
 * ahead of it by more than `marginDb`; a new speaker goes in before the first one it is louder
 * than. Speakers that no longer speak drop out.
 */

/** A level difference (dB) that reorders two speakers already ranked. */
export const DEFAULT_RANK_MARGIN_DB = 6;

/**
 * @param previous the order last reported (ids that are no longer in `levels` are dropped)
 * @param levels the speaking members now, with their levels in dBov
 */
export function rankSpeakers(previous: readonly string[], levels: ReadonlyMap<string, number>, marginDb = DEFAULT_RANK_MARGIN_DB): string[] {
  const order = previous.filter((id) => levels.has(id));
  const level = (id: string) => levels.get(id)!;
  // Newcomers loudest first, each placed before the first ranked speaker it is louder than.
  const newcomers = [...levels.keys()].filter((id) => !order.includes(id)).sort((a, b) => level(b) - level(a));
  for (const id of newcomers) {
    const at = order.findIndex((other) => level(id) > level(other));
    if (at < 0) order.push(id);
    else order.splice(at, 0, id);
  }
  // Bubble passes that swap neighbours only past the margin. "Louder by more than the margin" is
  // a strict partial order, so this ends; n passes bound it anyway (groups are small).
  for (let pass = 0; pass < order.length; pass++) {
    let swapped = false;
    for (let i = 0; i + 1 < order.length; i++) {
      const ahead = order[i]!;
      const behind = order[i + 1]!;
      if (level(behind) > level(ahead) + marginDb) {
        order[i] = behind;
        order[i + 1] = ahead;
        swapped = true;
      }
    }
    if (!swapped) break;
  }
  return order;
}

/** Whether two orders are the same. */
export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
