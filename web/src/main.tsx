import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './app/App';
import { createPortal, PortalProvider } from './app/portal';
import { DEFAULT_CONFIG, loadConfig } from './api/config';

async function start(root: HTMLElement) {
  let config = DEFAULT_CONFIG;
  try {
    config = await loadConfig();
  } catch (error) {
    // The default (/api on this origin) is right for every stack this build ships with.
    console.warn(error instanceof Error ? error.message : error);
  }
  const portal = createPortal(config, window.sessionStorage);
  // A "log in as customer" tab: take the token out of the address at once.
  portal.impersonation.adopt(window.location, window.history);
  void portal.session.restore();
  createRoot(root).render(
    <StrictMode>
      <PortalProvider portal={portal}>
        <App />
      </PortalProvider>
    </StrictMode>,
  );
}

const root = document.getElementById('root');
if (root) void start(root);
