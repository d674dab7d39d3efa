/** What the simulated model says: deterministic text, so tests can check it and demos read well. */

export function answerText(model: string, prompt: string): string {
  const asked = prompt.length > 160 ? `${prompt.slice(0, 157)}...` : prompt;
  return (
    `This answer comes from modelgate's simulated provider, playing ${model}. You asked: "${asked}". ` +
    'With a real key, the same request reaches the real model through the same failover.'
  );
}

/** The text of the last user message, from either API's message list. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown };
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content
        .map((p: { type?: string; text?: string }) => (p?.type === 'text' ? (p.text ?? '') : ''))
        .join(' ')
        .trim();
    }
  }
  return '';
}

/** Splits text into stream deltas of a few words each. */
export function deltas(text: string): string[] {
  const words = text.split(/(?<= )/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 4) out.push(words.slice(i, i + 4).join(''));
  return out;
}

/** Roughly four characters a token, as vendors' own estimates go. */
export const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
