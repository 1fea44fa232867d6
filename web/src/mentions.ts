// Mentions in a post's text: the "@prefix" being typed (to complete), completing it, and the handles a text
// mentions. A handle is 3-30 of a-z, 0-9 and _ (upper case folds); "@" must start the text or follow white space.

const TYPING = /(?:^|\s)@([A-Za-z0-9_]{0,30})$/;
const MENTION = /(?:^|\s)@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])/g;

/** The handle prefix typed right before the caret ("@al|" -> "al", "@|" -> ""), or undefined when not in a mention. */
export function typedMention(text: string, caret: number): string | undefined {
  return text.slice(0, caret).match(TYPING)?.[1];
}

/** The text with the mention before the caret completed to `handle` and a space, and where the caret goes. */
export function completeMention(text: string, caret: number, handle: string): { text: string; caret: number } {
  const prefix = typedMention(text, caret);
  if (prefix === undefined) return { text, caret };
  const start = caret - prefix.length;
  return { text: `${text.slice(0, start)}${handle} ${text.slice(caret)}`, caret: start + handle.length + 1 };
}

/** The handles a text mentions, lower case, each once, in order of appearance (what the post service resolves). */
export function mentionedHandles(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1].toLowerCase()))];
}
