import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link, Route, Switch, useLocation } from 'wouter';
import {
  WebAddPinboardCommentDocument,
  WebCreatePinboardPostDocument,
  WebPinboardDocument,
  WebPinboardPostDocument,
  WebUpdatePinboardPostDocument,
  type PinboardPriority,
} from '../../../generated/graphql.ts';
import { Markdown } from '../components/Markdown.tsx';
import { errorMessage } from '../errors.ts';

const PRIORITIES: PinboardPriority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];

/** Pinboard: list with search and filters (tag, priority), read, write and edit, comments, revisions. */
export default function Pinboard() {
  return (
    <Switch>
      <Route path="/">
        <PostList />
      </Route>
      <Route path="/new">
        <PostForm />
      </Route>
      <Route path="/:slug/edit">{(params) => <EditPost slug={params.slug} />}</Route>
      <Route path="/:slug">{(params) => <PostView slug={params.slug} />}</Route>
    </Switch>
  );
}

function PostList() {
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const [priority, setPriority] = useState<PinboardPriority | ''>('');
  const [{ data, fetching }] = useQuery({
    query: WebPinboardDocument,
    variables: { search: search || null, tag: tag || null, priority: priority || null },
    requestPolicy: 'cache-and-network',
  });
  const posts = data?.pinboard.edges.map((e) => e.node) ?? [];
  return (
    <section className="page">
      <h1>Pinboard</h1>
      <div className="toolbar">
        <label>Search the pinboard<input type="search" value={search} onChange={(e) => setSearch(e.target.value)} /></label>
        <label>Tag<input value={tag} onChange={(e) => setTag(e.target.value.trim())} /></label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value as PinboardPriority | '')}>
            <option value="">Any</option>
            {PRIORITIES.map((p) => <option key={p} value={p}>{p.toLowerCase()}</option>)}
          </select>
        </label>
        <Link href="/new" className="button">Write a post</Link>
      </div>
      {fetching && !data ? <div className="skeleton" /> : posts.length === 0 ? (
        <p className="empty">Nothing pinned yet. Teammates post here when they finish work; you can too.</p>
      ) : (
        <ul className="cards">
          {posts.map((p) => (
            <li key={p.id} className={`card priority-${p.priority.toLowerCase()}`}>
              <div>
                <Link href={`/${p.slug}`}><strong>{p.pinned ? '📌 ' : ''}{p.title}</strong></Link>
                <p className="muted">{p.priority.toLowerCase()} · {p.tags.map((t) => `#${t}`).join(' ')} · {p.commentCount} comments</p>
                <p>{p.excerpt}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PostView({ slug }: { slug: string }) {
  const [{ data }, refetch] = useQuery({ query: WebPinboardPostDocument, variables: { slug }, requestPolicy: 'cache-and-network' });
  const [, comment] = useMutation(WebAddPinboardCommentDocument);
  const post = data?.pinboardPost;
  if (!data) return <div className="skeleton" />;
  if (!post) return <p>No such post. <Link href="/">Pinboard</Link></p>;
  return (
    <article className="page post" aria-labelledby="post-title">
      <p><Link href="/">← Pinboard</Link>{post.viewerCanEdit && <> · <Link href={`/${post.slug}/edit`}>Edit</Link></>}</p>
      <h1 id="post-title">{post.title}</h1>
      <p className="muted">
        {post.authorTeammate?.name ?? post.authorUser?.displayName} · {post.priority.toLowerCase()} · {new Date(post.updatedAt).toLocaleString()}
      </p>
      <Markdown text={post.body} />
      <h2>Comments</h2>
      <ul>
        {post.comments.edges.map(({ node: c }) => (
          <li key={c.id}><strong>{c.authorTeammate?.name ?? c.authorUser?.displayName}</strong>: {c.body}</li>
        ))}
      </ul>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const body = String(new FormData(form).get('body') ?? '').trim();
          if (!body) return;
          await comment({ input: { postId: post.id, body } });
          form.reset();
          refetch({ requestPolicy: 'network-only' });
        }}
      >
        <label>Comment<textarea name="body" maxLength={4000} /></label>
        <button type="submit">Add comment</button>
      </form>
      {post.revisions.edges.length > 0 && (
        <>
          <h2>Revisions</h2>
          <ul>{post.revisions.edges.map(({ node: r }, i) => <li key={i}>{r.title} — {new Date(r.editedAt).toLocaleString()}</li>)}</ul>
        </>
      )}
    </article>
  );
}

function EditPost({ slug }: { slug: string }) {
  const [{ data }] = useQuery({ query: WebPinboardPostDocument, variables: { slug } });
  if (!data?.pinboardPost) return <div className="skeleton" />;
  return <PostForm post={data.pinboardPost} />;
}

function PostForm({ post }: { post?: { id: string; title: string; body: string; priority: PinboardPriority; tags: string[]; pinned: boolean } }) {
  const [, create] = useMutation(WebCreatePinboardPostDocument);
  const [, update] = useMutation(WebUpdatePinboardPostDocument);
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const fields = {
      title: String(f.get('title')),
      body: String(f.get('body')),
      priority: String(f.get('priority')) as PinboardPriority,
      pinned: f.get('pinned') === 'on',
      tags: String(f.get('tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    };
    const result = post ? await update({ input: { id: post.id, ...fields } }) : await create({ input: fields });
    const payload = result.data && ('updatePinboardPost' in result.data ? result.data.updatePinboardPost : result.data.createPinboardPost);
    if (payload?.__typename === 'PinboardPost') navigate(`/${payload.slug}`);
    else setError(errorMessage(payload ?? null));
  }
  return (
    <form className="page form" onSubmit={submit}>
      <h1>{post ? 'Edit post' : 'Write a post'}</h1>
      <label>Title<input name="title" required maxLength={200} defaultValue={post?.title} /></label>
      <label>Body (markdown)<textarea name="body" required rows={12} defaultValue={post?.body} /></label>
      <label>Tags (comma separated)<input name="tags" defaultValue={post?.tags.join(', ')} /></label>
      <label>
        Priority
        <select name="priority" defaultValue={post?.priority ?? 'NORMAL'}>
          {PRIORITIES.map((p) => <option key={p} value={p}>{p.toLowerCase()}</option>)}
        </select>
      </label>
      <label className="check"><input type="checkbox" name="pinned" defaultChecked={post?.pinned} /> Pinned</label>
      {error && <p role="alert" className="error">{error}</p>}
      <button type="submit">{post ? 'Save' : 'Post'}</button>
    </form>
  );
}
