/** The Business Profile form: what it sends, built from what is typed. */
import type { components } from '../api/schema';
import { textOf } from '../components/useForm';

export type Profile = components['schemas']['BusinessProfile'];
export type ProfileUpdate = components['schemas']['BusinessProfileUpdate'];
export type Contact = components['schemas']['Contact'];

/** A contact row as edited (every field text, possibly empty). */
export interface ContactDraft {
  key: number;
  name: string;
  email: string;
  title: string;
  phone: string;
}

let nextKey = 0;
export function contactDraft(contact?: Contact): ContactDraft {
  nextKey += 1;
  return {
    key: nextKey,
    name: contact?.name ?? '',
    email: contact?.email ?? '',
    title: contact?.title ?? '',
    phone: contact?.phone ?? '',
  };
}

const ADDRESS = ['street', 'postal_code', 'city', 'region', 'country'] as const;

/** Every field the form shows, by the name the API's `fields` uses. */
export function profileFields(contacts: number): string[] {
  const names = ['name', 'website', 'phone', 'industry', 'employee_count', 'contacts', ...ADDRESS.map((a) => `address.${a}`)];
  for (let i = 0; i < contacts; i += 1) {
    names.push(`contacts[${i}].name`, `contacts[${i}].email`, `contacts[${i}].title`, `contacts[${i}].phone`);
  }
  return names;
}

/**
 * The body of `PUT /business/profile`: empty optional fields are `null`, an employee count
 * that is not a whole number is sent as typed for the API to explain, and contact rows left
 * entirely empty are dropped.
 */
export function profileUpdate(form: FormData, contacts: readonly ContactDraft[], version: number): ProfileUpdate {
  const optional = (name: string) => textOf(form, name) ?? null;
  const employees = textOf(form, 'employee_count');
  const employeeCount = employees === undefined ? null : /^\d+$/.test(employees) ? Number(employees) : employees;
  return {
    version,
    name: textOf(form, 'name') ?? '',
    website: textOf(form, 'website') ?? '',
    phone: optional('phone'),
    industry: optional('industry'),
    // The API answers "a whole number" at the field for anything else.
    employee_count: employeeCount as number | null,
    address: {
      street: optional('address.street'),
      postal_code: optional('address.postal_code'),
      city: optional('address.city'),
      region: optional('address.region'),
      country: optional('address.country'),
    },
    contacts: contacts
      .map((c) => ({ name: c.name.trim(), email: c.email.trim(), title: c.title.trim() || null, phone: c.phone.trim() || null }))
      .filter((c) => c.name !== '' || c.email !== '' || c.title !== null || c.phone !== null),
  };
}
