import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { WebDeleteFileDocument, WebFilesDocument, type WebFileFieldsFragment } from '../../../generated/graphql.ts';
import { errorMessage } from '../errors.ts';
import { viewerEvents } from '../live.ts';
import { uploadFile } from '../upload.ts';
import { formatSize } from './ThreadView.tsx';

/** Files: search, upload with progress, status live from `FileEvent`, download, delete. */
export default function Files() {
  const [search, setSearch] = useState('');
  const [{ data }, refetch] = useQuery({ query: WebFilesDocument, variables: { search: search || null }, requestPolicy: 'cache-and-network' });
  const [files, setFiles] = useState<WebFileFieldsFragment[]>([]);
  const [uploads, setUploads] = useState<Array<{ name: string; progress: number; error?: string }>>([]);
  const [, deleteFile] = useMutation(WebDeleteFileDocument);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    if (data) setFiles(data.files.edges.map((e) => e.node));
  }, [data]);
  useEffect(
    () =>
      viewerEvents.on((event) => {
        if (event.__typename !== 'FileEvent') return;
        if (event.change === 'DELETED') setFiles((current) => current.filter((f) => f.id !== event.fileId));
        else if (event.file) {
          const file = event.file;
          setFiles((current) => (current.some((f) => f.id === file.id) ? current.map((f) => (f.id === file.id ? file : f)) : search ? current : [file, ...current]));
        }
      }),
    [search],
  );

  async function upload(list: FileList) {
    for (const file of Array.from(list)) {
      setUploads((u) => [...u, { name: file.name, progress: 0 }]);
      const set = (patch: { progress?: number; error?: string }) => setUploads((u) => u.map((x) => (x.name === file.name ? { ...x, ...patch } : x)));
      try {
        const result = await uploadFile(file, (progress) => set({ progress }));
        if (result.__typename === 'File') {
          setFiles((current) => (current.some((f) => f.id === result.id) ? current : [result, ...current]));
          setUploads((u) => u.filter((x) => x.name !== file.name));
        } else set({ error: 'message' in result ? result.message : 'Refused' });
      } catch (error) {
        set({ error: (error as Error).message });
      }
    }
  }

  return (
    <section className="page">
      <h1>Files</h1>
      <div className="toolbar">
        <label>
          Search files
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label className="button">
          Upload files
          <input type="file" multiple onChange={(e) => e.target.files && void upload(e.target.files)} />
        </label>
      </div>
      {message && <p role="status">{message}</p>}
      {uploads.length > 0 && (
        <ul className="uploads">
          {uploads.map((u) => (
            <li key={u.name}>
              {u.name} {u.error ? <span className="error">{u.error}</span> : <progress value={u.progress} max={1} aria-label={`Uploading ${u.name}`} />}
            </li>
          ))}
        </ul>
      )}
      {files.length === 0 ? (
        <p className="empty">{search ? 'No file matches.' : 'No files yet. Upload one, or attach one to a message.'}</p>
      ) : (
        <table className="files">
          <thead>
            <tr><th>Name</th><th>Type</th><th>Size</th><th>Status</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.id} data-file-name={f.name}>
                <td>{f.downloadUrl ? <a href={f.downloadUrl} download={f.name}>{f.name}</a> : f.name}</td>
                <td>{f.contentType}</td>
                <td>{formatSize(f.size)}</td>
                <td className={`status-${f.status.toLowerCase()}`}>{f.status}{f.error ? `: ${f.error}` : ''}</td>
                <td>
                  {f.viewerCanDelete && (
                    <button
                      type="button"
                      onClick={async () => {
                        const result = await deleteFile({ id: f.id });
                        setMessage(errorMessage(result.data?.deleteFile ?? null) ?? `${f.name} deleted.`);
                        refetch({ requestPolicy: 'network-only' });
                      }}
                    >
                      Delete {f.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
