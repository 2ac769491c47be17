/** An admin's editor of one health check of a customer (score, status, findings, date). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';

import { call } from '../api/client';
import { useApi } from '../app/portal';
import { FormError, SelectField, TextArea, TextField } from '../components/Field';
import { Notice } from '../components/Status';
import { textOf, useFormErrors } from '../components/useForm';
import { HEALTH_STATUSES, type HealthCheck, type HealthCheckKind } from './kinds';

const FIELDS = ['score', 'status', 'findings', 'checked_on'] as const;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function HealthCheckEditor({
  businessId,
  kind,
  title,
  check,
}: {
  businessId: string;
  kind: HealthCheckKind;
  title: string;
  check: HealthCheck | undefined;
}) {
  const api = useApi();
  const queries = useQueryClient();
  const form = useFormErrors(FIELDS);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (body: { score: number; status: HealthCheck['status']; findings: string | null; checked_on: string }) =>
      call(
        api.PUT('/admin/businesses/{business_id}/health-checks/{kind}', {
          params: { path: { business_id: businessId, kind } },
          body,
        }),
      ),
    onSuccess: () => {
      setSaved(true);
      void queries.invalidateQueries({ queryKey: ['business', businessId] });
    },
    onError: form.fail,
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.reset();
    setSaved(false);
    const data = new FormData(event.currentTarget);
    const score = textOf(data, 'score');
    save.mutate({
      // Sent as typed: the API says what is wrong with a score that is no number.
      score: score === undefined ? Number.NaN : Number(score),
      status: (textOf(data, 'status') ?? 'healthy') as HealthCheck['status'],
      findings: textOf(data, 'findings') ?? null,
      checked_on: textOf(data, 'checked_on') ?? '',
    });
  }

  return (
    <form onSubmit={submit} noValidate aria-label={title}>
      {saved ? <Notice onDismiss={() => setSaved(false)}>{title} saved.</Notice> : null}
      <FormError message={form.errors.top} />
      <div className="grid-2">
        <TextField
          label="Score"
          name="score"
          type="number"
          min={0}
          max={100}
          inputMode="numeric"
          required
          defaultValue={check?.score ?? ''}
          error={form.field('score')}
          hint="0 to 100"
        />
        <SelectField
          label="Status"
          name="status"
          required
          defaultValue={check?.status ?? 'healthy'}
          options={HEALTH_STATUSES}
          error={form.field('status')}
        />
      </div>
      <TextField
        label="Date"
        name="checked_on"
        type="date"
        required
        defaultValue={check?.checked_on ?? today()}
        error={form.field('checked_on')}
      />
      <TextArea label="Findings" name="findings" rows={4} defaultValue={check?.findings ?? ''} error={form.field('findings')} />
      <button type="submit" className="button-primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : `Save ${title}`}
      </button>
    </form>
  );
}
