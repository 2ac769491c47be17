/**
 * The signed-in person's own account: its Security section turns two-step sign-in (an
 * authenticator app, TOTP) on and says whether it is on. Optional for customers and
 * partners; admins enrol at their first login and always have it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import type { components } from '../api/schema';
import { useApi, useSession } from '../app/portal';
import { CodeField, SecretKey } from '../auth/TwoStep';
import { FormError } from '../components/Field';
import { Page, Section } from '../components/Page';
import { QrCode } from '../components/QrCode';
import { Badge, ErrorMessage, Loading, Notice } from '../components/Status';
import { textOf, useFormErrors } from '../components/useForm';

type TotpSetup = components['schemas']['TotpSetup'];

function Enrolment({ setup, onDone }: { setup: TotpSetup; onDone: () => void }) {
  const api = useApi();
  const form = useFormErrors(['code']);
  const enable = useMutation({
    mutationFn: (code: string) => call(api.PUT('/account/mfa', { body: { code } })),
    onSuccess: onDone,
    onError: form.fail,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    enable.mutate(textOf(new FormData(event.currentTarget), 'code') ?? '');
  }
  return (
    <div className="enrolment">
      <p>Scan this QR code with your authenticator app (or type the key into it), then enter the code it shows.</p>
      <QrCode text={setup.otpauth_uri} label="QR code of the key for your authenticator app" />
      <p>
        Key: <SecretKey secret={setup.secret_code} />
      </p>
      <FormError message={form.errors.top} />
      <form onSubmit={submit} noValidate>
        <CodeField error={form.field('code')} />
        <button type="submit" className="button-primary" disabled={enable.isPending}>
          {enable.isPending ? 'Verifying…' : 'Turn on'}
        </button>
      </form>
    </div>
  );
}

function Security() {
  const api = useApi();
  const queries = useQueryClient();
  const status = useQuery({ queryKey: ['account-mfa'], queryFn: () => call(api.GET('/account/mfa')) });
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [done, setDone] = useState(false);
  const start = useMutation({
    mutationFn: () => call(api.POST('/account/mfa/setup')),
    onSuccess: setSetup,
  });

  let body;
  if (status.isPending) body = <Loading />;
  else if (status.isError) body = <ErrorMessage error={status.error} />;
  else if (status.data.totp_enabled)
    body = (
      <>
        {done ? <Notice>Two-step sign-in is on. Every login now asks for a code from your app.</Notice> : null}
        <p>
          Two-step sign-in: <Badge tone="good">On</Badge>
        </p>
        <p>Each login asks for the code your authenticator app shows.</p>
      </>
    );
  else if (setup)
    body = (
      <Enrolment
        setup={setup}
        onDone={() => {
          setSetup(null);
          setDone(true);
          void queries.invalidateQueries({ queryKey: ['account-mfa'] });
        }}
      />
    );
  else
    body = (
      <>
        <p>
          Two-step sign-in: <Badge>Off</Badge>
        </p>
        <p>Protect your account with a code from an authenticator app at each login, on top of your password.</p>
        {start.isError ? <ErrorMessage error={start.error} /> : null}
        <button type="button" className="button-primary" disabled={start.isPending} onClick={() => start.mutate()}>
          Turn on two-step sign-in
        </button>
      </>
    );
  return (
    <Section title="Security" id="security">
      {body}
    </Section>
  );
}

export default function AccountPage() {
  const session = useSession();
  const email = session.status === 'signed-in' ? session.user.email : '';
  return (
    <Page title="Account">
      <p>Signed in as {email}.</p>
      <Security />
    </Page>
  );
}
