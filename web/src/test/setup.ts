// Dates in tests read the same on every machine.
process.env.TZ = 'UTC';

import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Each test renders into a clean document.
afterEach(cleanup);
