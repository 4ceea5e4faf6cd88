import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, Route, Switch, useLocation } from 'wouter';
import {
  WebAddMemoryDocument,
  WebCreateTeammateDocument,
  WebCreateThreadDocument,
  WebDeleteMemoryDocument,
  WebDismissTeammateDocument,
  WebHireTeammateDocument,
  WebImportTeammateDocument,
  WebTeamDocument,
  WebTeammateDocument,
  WebUpdateMemoryDocument,
  WebUpdateTeammateDocument,
  type WebTeammateFieldsFragment,
} from '../../../generated/graphql.ts';
import { errorMessage } from '../errors.ts';

/** Team: who is hired, the catalog (hire and dismiss; plan limits shown), self-made teammates. */
export default function Team() {
  return (
    <Switch>
      <Route path="/">
        <TeamList />
      </Route>
      <Route path="/new">
        <TeammateForm />
      </Route>
      <Route path="/:id">{(params) => <TeammateDetail id={params.id} />}</Route>
    </Switch>
  );
}

function TeamList() {
  const [{ data, fetching }, refetch] = useQuery({ query: WebTeamDocument });
  const [, hire] = useMutation(WebHireTeammateDocument);
  const [, dismiss] = useMutation(WebDismissTeammateDocument);
  const [, createThread] = useMutation(WebCreateThreadDocument);
  const [, navigate] = useLocation();
  const [message, setMessage] = useState<string | null>(null);
  const hired = data?.teammates.edges.map((e) => e.node) ?? [];

  async function onHire(key: string, name: string) {
    const result = await hire({ catalogKey: key });
    const payload = result.data?.hireTeammate;
    setMessage(payload?.__typename === 'Teammate' ? `${name} joined the team.` : (errorMessage(payload ?? null) ?? null));
    refetch({ requestPolicy: 'network-only' });
  }
  async function onDismiss(id: string, name: string) {
    const result = await dismiss({ teammateId: id });
    setMessage(result.data?.dismissTeammate.__typename === 'Teammate' ? `${name} left the team.` : errorMessage(result.data?.dismissTeammate ?? null));
    refetch({ requestPolicy: 'network-only' });
  }
  async function talkTo(id: string) {
    const result = await createThread({ input: { kind: 'DIRECT', teammateIds: [id] } });
    const payload = result.data?.createThread;
    if (payload?.__typename === 'CreateThreadPayload') navigate(`~/threads/${payload.thread.id}`);
    else setMessage(errorMessage(payload ?? null));
  }

  return (
    <section className="page">
      <h1>Team</h1>
      {message && <p role="status" className="notice">{message}</p>}
      <h2>Hired</h2>
      {fetching && !data ? (
        <div className="skeleton" />
      ) : hired.length === 0 ? (
        <p className="empty">Hire your first teammate from the catalog below.</p>
      ) : (
        <ul className="cards">
          {hired.map((t) => (
            <li key={t.id} className="card">
              <span className="avatar" aria-hidden="true" style={{ background: t.appearance.color }}>{t.appearance.emoji}</span>
              <div>
                <Link href={`/${t.id}`}><strong>{t.name}</strong></Link>
                <p>{t.role}</p>
              </div>
              <div className="card-actions">
                <button type="button" onClick={() => void talkTo(t.id)}>Message {t.name}</button>
                <button type="button" onClick={() => void onDismiss(t.id, t.name)}>Dismiss {t.name}</button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link href="/new">Create a teammate</Link> · <ImportTeammate onDone={() => refetch({ requestPolicy: 'network-only' })} />
      </p>
      <h2>Catalog</h2>
      <ul className="cards">
        {data?.catalog.map((c) => (
          <li key={c.key} className="card">
            <span className="avatar" aria-hidden="true" style={{ background: c.appearance.color }}>{c.appearance.emoji}</span>
            <div>
              <strong>{c.name}</strong>
              <p>{c.role}</p>
              <p className="muted">{c.description}</p>
            </div>
            <div className="card-actions">
              {c.hired ? <span className="muted">Hired</span> : <button type="button" onClick={() => void onHire(c.key, c.name)}>Hire {c.name}</button>}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ImportTeammate({ onDone }: { onDone(): void }) {
  const [, importTeammate] = useMutation(WebImportTeammateDocument);
  const [error, setError] = useState<string | null>(null);
  return (
    <label className="file-picker">
      Import a teammate (JSON)
      <input
        type="file"
        accept="application/json,.json"
        onChange={async (event) => {
          const file = event.target.files?.[0];
          if (!file) return;
          try {
            const document = JSON.parse(await file.text()) as unknown;
            const result = await importTeammate({ input: { document } });
            setError(errorMessage(result.data?.importTeammate ?? null));
            onDone();
          } catch {
            setError('That file is not JSON.');
          }
        }}
      />
      {error && <span role="alert" className="error">{error}</span>}
    </label>
  );
}

function TeammateForm({ teammate }: { teammate?: WebTeammateFieldsFragment }) {
  const [, create] = useMutation(WebCreateTeammateDocument);
  const [, update] = useMutation(WebUpdateTeammateDocument);
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const fields = {
      name: String(f.get('name')),
      role: String(f.get('role')),
      personality: String(f.get('personality')),
      instructions: String(f.get('instructions')),
    };
    if (teammate) {
      const result = await update({ input: { teammateId: teammate.id, ...fields } });
      setError(errorMessage(result.data?.updateTeammate ?? null) ?? 'Saved.');
    } else {
      const result = await create({ input: fields });
      const payload = result.data?.createTeammate;
      if (payload?.__typename === 'Teammate') navigate(`/${payload.id}`);
      else setError(errorMessage(payload ?? null));
    }
  }
  return (
    <form className="page form" onSubmit={submit}>
      {!teammate && <h1>Create a teammate</h1>}
      <label>Name<input name="name" required defaultValue={teammate?.name} maxLength={60} /></label>
      <label>Role<input name="role" required defaultValue={teammate?.role} /></label>
      <label>Personality<textarea name="personality" required defaultValue={teammate?.personality} /></label>
      <label>Instructions<textarea name="instructions" required defaultValue={teammate?.instructions} rows={6} /></label>
      {error && <p role="status">{error}</p>}
      <button type="submit">{teammate ? 'Save' : 'Create'}</button>
    </form>
  );
}

function TeammateDetail({ id }: { id: string }) {
  const [{ data }, refetch] = useQuery({ query: WebTeammateDocument, variables: { id } });
  const [, addMemory] = useMutation(WebAddMemoryDocument);
  const [, updateMemory] = useMutation(WebUpdateMemoryDocument);
  const [, deleteMemory] = useMutation(WebDeleteMemoryDocument);
  const t = data?.teammate;
  if (!t) return <div className="skeleton" />;
  const again = () => refetch({ requestPolicy: 'network-only' });
  const exportHref = URL.createObjectURL(new Blob([JSON.stringify(t.exportDocument, null, 2)], { type: 'application/json' }));
  return (
    <section className="page">
      <p><Link href="/">← Team</Link></p>
      <h1>{t.appearance.emoji} {t.name}</h1>
      <p>{t.role}</p>
      <a href={exportHref} download={`${t.handle}.json`}>Export {t.name}</a>
      {t.isCustom && <TeammateForm teammate={t} />}
      <h2>Memories</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const content = String(new FormData(form).get('content') ?? '').trim();
          if (!content) return;
          await addMemory({ input: { teammateId: id, content } });
          form.reset();
          again();
        }}
      >
        <label>New memory<input name="content" maxLength={2000} /></label>
        <button type="submit">Add memory</button>
      </form>
      <ul>
        {t.memories.edges.map(({ node: m }) => (
          <li key={m.id}>
            <span>{m.content}</span>{' '}
            <button
              type="button"
              onClick={async () => {
                const content = window.prompt('Edit memory', m.content);
                if (content) {
                  await updateMemory({ input: { memoryId: m.id, content } });
                  again();
                }
              }}
            >
              Edit
            </button>{' '}
            <button
              type="button"
              onClick={async () => {
                await deleteMemory({ input: { memoryId: m.id } });
                again();
              }}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
