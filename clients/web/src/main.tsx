import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { registerServiceWorker } from './push.ts';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The service worker shows push notifications (public/sw.js); registered once the page has loaded.
window.addEventListener('load', () => void registerServiceWorker(), { once: true });
