/**
 * Safe markdown: react-markdown never renders HTML from a body; a remark step below turns raw HTML
 * into plain text, so `<img src=x onerror=…>` is shown as the characters typed. Links open in a new
 * tab with `rel="noopener noreferrer"`; only http(s), mailto and relative URLs are kept.
 * The renderer is loaded on first use (it is the app's heaviest part); plain text shows meanwhile.
 */
import { lazy, Suspense } from 'react';

const Renderer = lazy(() => import('./MarkdownRenderer.tsx'));

export function Markdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<div className="md plain">{text}</div>}>
      <Renderer text={text} />
    </Suspense>
  );
}
