/** Chain status: `GET /audit/verify` recomputes every record's hash and names the first broken one. */
import { api, outcomeText } from './api.js';
import { byId, when } from './dom.js';

interface Verification {
  readonly ok: boolean;
  readonly checked: number;
  readonly headSeq: number | string | null;
  readonly verifiedAt: string;
  readonly firstBroken?: {
    readonly seq: number | string;
    /** The chain of the broken record, when not `main` (each ingress partition has its own). */
    readonly chain?: string;
    readonly reason: string;
    readonly detail?: string;
  };
}

/** Verifies the chain now and shows the result. */
export async function verifyChain(): Promise<void> {
  const result = byId('chain-result');
  result.className = 'panel';
  result.textContent = 'Verifying…';
  const answer = await api<Verification>('/audit/verify');
  const verification = answer.body;
  if (answer.status !== 200 || !verification) {
    result.className = 'panel bad';
    result.textContent = outcomeText(answer.body, answer.status);
    return;
  }
  result.className = verification.ok ? 'panel ok' : 'panel bad';
  const broken = verification.firstBroken;
  result.textContent =
    verification.ok || !broken
      ? `Intact: ${verification.checked} records checked, head at ${verification.headSeq} (verified ${when(verification.verifiedAt)}).`
      : `Broken at record ${broken.seq}${broken.chain ? ` of chain ${broken.chain}` : ''}: ${broken.reason}${broken.detail ? ` — ${broken.detail}` : ''} (${verification.checked} checked).`;
}
