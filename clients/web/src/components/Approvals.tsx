import { useState } from 'react';
import { useMutation } from 'urql';
import { WebApproveToolCallDocument, WebRejectToolCallDocument, type WebToolApprovalFieldsFragment } from '../../../generated/graphql.ts';
import { errorMessage } from '../errors.ts';

export type Approval = WebToolApprovalFieldsFragment;

/** Pending tool calls of a thread, each with Approve, Edit (the arguments as JSON) and Reject (with a reason). */
export function ApprovalList({ approvals, onDecided }: { approvals: Approval[]; onDecided(approval: Approval): void }) {
  if (approvals.length === 0) return null;
  return (
    <section className="approvals" aria-label="Waiting for approval">
      {approvals.map((a) => (
        <ApprovalCard key={a.id} approval={a} onDecided={onDecided} />
      ))}
    </section>
  );
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

function ApprovalCard({ approval, onDecided }: { approval: Approval; onDecided(approval: Approval): void }) {
  const [mode, setMode] = useState<'view' | 'edit' | 'reject'>('view');
  const [draft, setDraft] = useState(() => pretty(approval.arguments));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, approve] = useMutation(WebApproveToolCallDocument);
  const [, reject] = useMutation(WebRejectToolCallDocument);
  const titleId = `approval-${approval.id}`;

  async function decide(kind: 'approve' | 'reject') {
    setError(null);
    let result;
    if (kind === 'approve') {
      let edited: unknown;
      if (mode === 'edit') {
        try {
          edited = JSON.parse(draft);
        } catch {
          return setError('The arguments are not valid JSON.');
        }
        if (typeof edited !== 'object' || edited === null || Array.isArray(edited)) return setError('The arguments must be a JSON object.');
      }
      setBusy(true);
      result = (await approve({ input: { approvalId: approval.id, ...(mode === 'edit' ? { arguments: edited } : {}) } })).data?.approveToolCall;
    } else {
      setBusy(true);
      const why = reason.trim();
      result = (await reject({ input: { approvalId: approval.id, ...(why ? { reason: why } : {}) } })).data?.rejectToolCall;
    }
    setBusy(false);
    if (result?.__typename === 'ToolApprovalDecision') onDecided(result.approval);
    else setError(errorMessage(result ?? null) ?? 'Something went wrong.');
  }

  return (
    <article className="approval" aria-labelledby={titleId} data-approval-id={approval.id}>
      <h2 id={titleId}>
        {approval.teammate.name} wants to use <code>{approval.tool}</code>
      </h2>
      {mode === 'edit' ? (
        <label className="approval-edit">
          Arguments (JSON)
          <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={Math.min(12, draft.split('\n').length + 1)} spellCheck={false} autoFocus />
        </label>
      ) : (
        <pre className="approval-arguments" aria-label="Arguments">
          {pretty(approval.arguments)}
        </pre>
      )}
      {mode === 'reject' && (
        <label>
          Reason (optional)
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} autoFocus />
        </label>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {approval.viewerCanDecide ? (
        <div className="approval-actions">
          {mode === 'view' && (
            <>
              <button type="button" disabled={busy} onClick={() => void decide('approve')}>
                Approve
              </button>
              <button type="button" disabled={busy} onClick={() => setMode('edit')}>
                Edit
              </button>
              <button type="button" disabled={busy} onClick={() => setMode('reject')}>
                Reject
              </button>
            </>
          )}
          {mode === 'edit' && (
            <>
              <button type="button" disabled={busy} onClick={() => void decide('approve')}>
                Approve with these arguments
              </button>
              <button type="button" disabled={busy} onClick={() => (setMode('view'), setDraft(pretty(approval.arguments)), setError(null))}>
                Cancel
              </button>
            </>
          )}
          {mode === 'reject' && (
            <>
              <button type="button" disabled={busy} onClick={() => void decide('reject')}>
                Confirm reject
              </button>
              <button type="button" disabled={busy} onClick={() => (setMode('view'), setError(null))}>
                Cancel
              </button>
            </>
          )}
        </div>
      ) : (
        <p className="muted">Waiting for a person of this thread to decide.</p>
      )}
    </article>
  );
}
