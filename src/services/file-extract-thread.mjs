// Entry of the text-extraction worker thread (services/file-extractor.ts). Plain JavaScript so a
// thread can start under any loader: it registers tsx, then runs the TypeScript extraction.
import { register } from 'tsx/esm/api';

register();
await import('./file-extract-thread-main.ts');
