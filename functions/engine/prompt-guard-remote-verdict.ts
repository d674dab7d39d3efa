/** What a guard service said about some texts (webhook, moderation, Bedrock guardrails alike). */
export type RemoteVerdict =
  /** Nothing to do. */
  | { kind: 'pass' }
  /** The texts rewritten: same count, same order. */
  | { kind: 'mask'; contents: string[] }
  /** Rejected: with the service's own status and message (a webhook's), or the guard's configured `response` when absent. */
  | { kind: 'reject'; status?: number; message?: string }
  /** The call failed (unreachable, timeout, non-2xx, an answer that breaks the protocol): why, for the log. */
  | { kind: 'failed'; reason: string };
