import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';

import { createPortal, PortalProvider } from '../app/portal';
import BusinessProfilePage from './BusinessProfilePage';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function profile(version: number, name: string) {
  return {
    business_id: 'b-1',
    name,
    website: 'https://globex.example',
    phone: null,
    address: {},
    industry: null,
    employee_count: null,
    contacts: [],
    version,
    updated_at: null,
    my_partner: { partners: [], invitations: [] },
  };
}

async function renderProfile(put: (body: Record<string, unknown>) => Response) {
  let stored = profile(3, 'Globex');
  const puts: Record<string, unknown>[] = [];
  const base = vi.fn(async (request: Request) => {
    const route = `${request.method} ${new URL(request.url).pathname.replace(/^\/api/, '')}`;
    switch (route) {
      case 'POST /auth/login':
        return json(200, {
          access_token: 'a',
          expires_in: 3600,
          landing: '/business/profile',
          session: 'cookie',
          user: { user_id: 'u', email: 'hank@globex-corp.com', first_name: 'Hank', last_name: 'Scorpio', role: 'customer', business_id: 'b-1', business_name: 'Globex', active_business: null },
        });
      case 'GET /business/profile':
        return json(200, stored);
      case 'PUT /business/profile': {
        const body = (await request.json()) as Record<string, unknown>;
        puts.push(body);
        return put(body);
      }
      case 'GET /partners':
      case 'GET /partners/invitations':
        return json(200, { items: [], next_cursor: null });
      default:
        return json(404, { error: 'not_found' });
    }
  });
  const portal = createPortal({ apiBase: '/api' }, sessionStorage, base);
  await portal.session.login('hank@globex-corp.com', 'pw');
  render(
    <PortalProvider portal={portal}>
      <MemoryRouter>
        <BusinessProfilePage />
      </MemoryRouter>
    </PortalProvider>,
  );
  await screen.findByRole('form', { name: 'Business Profile' });
  return { puts, setStored: (next: ReturnType<typeof profile>) => (stored = next) };
}

describe('the Business Profile form', () => {
  it('saves with the version it read, and shows field errors at their fields', async () => {
    const { puts } = await renderProfile(() =>
      json(422, {
        error: 'validation_failed',
        message: 'Please correct the highlighted fields.',
        fields: { website: 'Enter a website such as https://example.com.' },
      }),
    );
    const company = screen.getByRole('region', { name: 'Company' });
    await userEvent.clear(within(company).getByLabelText(/Website/));
    await userEvent.type(within(company).getByLabelText(/Website/), 'not a site');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByText('Enter a website such as https://example.com.')).toBeInTheDocument();
    expect(within(company).getByLabelText(/Website/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Please correct the highlighted fields.');
    expect(puts[0]).toMatchObject({ version: 3, name: 'Globex', website: 'not a site' });
  });

  it('says someone else saved it, and reloads what is stored now', async () => {
    const { setStored } = await renderProfile(() =>
      json(409, {
        error: 'version_conflict',
        message: 'Someone else saved this profile since you loaded it (it is now at version 4); reload it and make your changes again.',
      }),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Someone else saved this profile since you loaded it');

    setStored(profile(4, 'Globex Corporation'));
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));

    const company = screen.getByRole('region', { name: 'Company' });
    expect(await within(company).findByDisplayValue('Globex Corporation')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
