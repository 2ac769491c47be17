import { describe, expect, it } from 'vitest';

import { contactDraft, profileFields, profileUpdate } from './profileForm';

function form(values: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(values)) data.set(name, value);
  return data;
}

describe('the Business Profile form', () => {
  it('sends every section with the version it was read at; empty optional fields are null', () => {
    const contacts = [
      { ...contactDraft(), name: ' Hank Scorpio ', email: 'hank@globex-corp.com ', title: 'CEO' },
      { ...contactDraft() },
    ];
    const body = profileUpdate(
      form({ name: ' Globex ', website: 'https://globex.example', phone: '', industry: 'Energy', employee_count: '1200', 'address.city': 'Springfield', 'address.country': 'US' }),
      contacts,
      4,
    );
    expect(body).toEqual({
      version: 4,
      name: 'Globex',
      website: 'https://globex.example',
      phone: null,
      industry: 'Energy',
      employee_count: 1200,
      address: { street: null, postal_code: null, city: 'Springfield', region: null, country: 'US' },
      contacts: [{ name: 'Hank Scorpio', email: 'hank@globex-corp.com', title: 'CEO', phone: null }],
    });
  });

  it('leaves a count that is no whole number for the API to explain at its field', () => {
    const body = profileUpdate(form({ name: 'Globex', website: 'globex.example', employee_count: 'many' }), [], 0);
    expect(body.employee_count).toBe('many');
    expect(profileUpdate(form({ name: 'Globex', website: 'x' }), [], 0).employee_count).toBeNull();
  });

  it('knows every field the API may name, contacts included', () => {
    const fields = profileFields(2);
    expect(fields).toContain('address.postal_code');
    expect(fields).toContain('contacts[1].email');
    expect(fields).not.toContain('contacts[2].email');
  });
});
