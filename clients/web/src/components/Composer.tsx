import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { uploadFile } from '../upload.ts';

export interface Mentionable {
  id: string;
  label: string;
  handle: string;
}

interface Attachment {
  key: string;
  name: string;
  progress: number;
  fileId?: string;
  error?: string;
}

const draftKey = (threadId: string) => `tmates.draft.${threadId}`;

/**
 * The message box: Enter sends, Shift+Enter adds a line, `@` completes teammates and people
 * (↑/↓ to choose, Enter or Tab to take, Esc to close), attachments upload with a progress bar each.
 * The draft is kept per thread (localStorage) across thread switches and reloads.
 */
export function Composer(props: {
  threadId: string;
  mentionables: Mentionable[];
  onSend(body: string, fileIds: string[]): void | Promise<void>;
  onEscape(): void;
}) {
  const [text, setText] = useState(() => localStorage.getItem(draftKey(props.threadId)) ?? '');
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [mention, setMention] = useState<{ query: string; start: number; index: number } | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (text) localStorage.setItem(draftKey(props.threadId), text);
    else localStorage.removeItem(draftKey(props.threadId));
  }, [text, props.threadId]);

  const options = mention
    ? props.mentionables.filter((m) => m.label.toLowerCase().startsWith(mention.query.toLowerCase()) || m.handle.toLowerCase().startsWith(mention.query.toLowerCase())).slice(0, 8)
    : [];
  const uploading = attachments.some((a) => !a.fileId && !a.error);

  function updateMention(value: string, caret: number) {
    const match = /(^|\s)@([\p{L}\p{N}_-]*)$/u.exec(value.slice(0, caret));
    setMention(match ? { query: match[2]!, start: caret - match[2]!.length - 1, index: 0 } : null);
  }

  function takeMention(option: Mentionable) {
    if (!mention) return;
    const caret = box.current?.selectionStart ?? text.length;
    const insert = `@${option.label.includes(' ') ? option.handle : option.label} `;
    const next = text.slice(0, mention.start) + insert + text.slice(caret);
    setText(next);
    setMention(null);
    requestAnimationFrame(() => box.current?.setSelectionRange(mention.start + insert.length, mention.start + insert.length));
  }

  async function submit() {
    const body = text.trim();
    const fileIds = attachments.flatMap((a) => (a.fileId ? [a.fileId] : []));
    if ((!body && fileIds.length === 0) || uploading) return;
    setText('');
    setAttachments([]);
    await props.onSend(body, fileIds);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention && options.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setMention({ ...mention, index: (mention.index + step + options.length) % options.length });
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        takeMention(options[mention.index]!);
        return;
      }
    }
    if (event.key === 'Escape') {
      if (mention) setMention(null);
      else props.onEscape();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  function addFiles(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const key = crypto.randomUUID();
      setAttachments((current) => [...current, { key, name: file.name, progress: 0 }]);
      const update = (patch: Partial<Attachment>) => setAttachments((current) => current.map((a) => (a.key === key ? { ...a, ...patch } : a)));
      uploadFile(file, (progress) => update({ progress })).then(
        (result) => (result.__typename === 'File' ? update({ fileId: result.id, progress: 1 }) : update({ error: 'message' in result ? result.message : 'Refused' })),
        (error: Error) => update({ error: error.message }),
      );
    }
  }

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        if (event.dataTransfer.files.length) addFiles(event.dataTransfer.files);
      }}
    >
      {attachments.length > 0 && (
        <ul className="uploads" aria-label="Attachments">
          {attachments.map((a) => (
            <li key={a.key}>
              <span>{a.name}</span>
              {a.error ? (
                <span className="error">{a.error}</span>
              ) : (
                <progress value={a.progress} max={1} aria-label={`Uploading ${a.name}`} />
              )}
              <button type="button" aria-label={`Remove ${a.name}`} onClick={() => setAttachments((c) => c.filter((x) => x.key !== a.key))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {mention && options.length > 0 && (
        <ul className="mentions" role="listbox" aria-label="Mention">
          {options.map((o, i) => (
            <li
              key={o.id}
              role="option"
              aria-selected={i === mention.index}
              onMouseDown={(event) => {
                event.preventDefault();
                takeMention(o);
              }}
            >
              {o.label}
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button type="button" className="attach" aria-label="Attach files" onClick={() => picker.current?.click()}>
          +
        </button>
        <input ref={picker} type="file" multiple hidden onChange={(event) => event.target.files && addFiles(event.target.files)} />
        <textarea
          ref={box}
          aria-label="Message"
          placeholder="Message (Enter sends, Shift+Enter adds a line, @ mentions)"
          rows={1}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            updateMention(event.target.value, event.target.selectionStart);
          }}
          onKeyDown={onKeyDown}
          onPaste={(event) => {
            if (event.clipboardData.files.length) {
              event.preventDefault();
              addFiles(event.clipboardData.files);
            }
          }}
        />
        <button type="submit" disabled={uploading}>
          Send
        </button>
      </div>
    </form>
  );
}
