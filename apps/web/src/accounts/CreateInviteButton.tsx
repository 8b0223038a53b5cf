import { useState } from 'react';
import AddLinkIcon from '@mui/icons-material/AddLink';
import { Alert, MenuItem, TextField } from '@mui/material';
import { CreateInviteRequest, type Instance, type Invite } from '@hearth/contracts';
import { useDataProvider, useRefresh, useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { FormDialog } from '../common/FormDialog';
import { ShownOnceDialog } from '../common/ShownOnceDialog';
import { useFormRequest } from '../common/useRequest';
import type { HearthDataProvider } from '../dataProvider';
import { USERNAME_RULES, accountAddress, protocolOf, useUnsupported } from './accountSupport';
import { GatedDialogButton } from './GatedButton';

/** How long an invite works, in hours; three days unless the operator picks another. */
const LIFETIMES = [
  { hours: 24, label: 'hearth.invites.lifetime.day' },
  { hours: 72, label: 'hearth.invites.lifetime.three_days' },
  { hours: 168, label: 'hearth.invites.lifetime.week' },
  { hours: 720, label: 'hearth.invites.lifetime.month' },
];
const DEFAULT_HOURS = 72;

interface InviteDraft {
  expiresInHours: number;
  maxUses: string;
  fixedUsername: string;
  note: string;
}

const EMPTY: InviteDraft = { expiresInHours: DEFAULT_HOURS, maxUses: '1', fixedUsername: '', note: '' };

/** "New invite", for moderators: the link appears once, to be copied and sent. */
export function CreateInviteButton({ instance }: { instance: Instance }) {
  return (
    <GatedDialogButton
      label="hearth.invites.create"
      icon={<AddLinkIcon />}
      unsupported={useUnsupported(instance)('users.create')}
      dialog={(close) => <CreateInviteDialog instance={instance} onClose={close} />}
    />
  );
}

/** The form, then the invite's link, once. */
function CreateInviteDialog({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const { pending, errors, problem, submit } = useFormRequest();
  const [created, setCreated] = useState<Invite & { url: string }>();
  const [draft, setDraft] = useState<InviteDraft>(EMPTY);
  const update = (changes: Partial<InviteDraft>) => setDraft((current) => ({ ...current, ...changes }));

  const create = () => {
    const request = {
      expiresInHours: draft.expiresInHours,
      maxUses: Number(draft.maxUses),
      fixedUsername: draft.fixedUsername.trim() || undefined,
      note: draft.note.trim() || undefined,
    };
    const maxUsesValid = /^\d+$/.test(draft.maxUses) && CreateInviteRequest.shape.maxUses.safeParse(request.maxUses).success;
    return submit(
      maxUsesValid ? {} : { maxUses: 'hearth.invites.max_uses_invalid' },
      () => dataProvider.createInvite(instance.id, request),
      (invite) => {
        refresh();
        if (invite.url) setCreated({ ...invite, url: invite.url });
      },
    );
  };

  if (created) {
    return (
      <ShownOnceDialog
        title="hearth.invites.created_title"
        warning="hearth.invites.created_warning"
        label="hearth.common.one_time_link"
        doneLabel="hearth.common.link_copied"
        messageArgs={{ expires: formatDateTime(created.expiresAt), smart_count: created.maxUses }}
        value={created.url}
        onClose={onClose}
      />
    );
  }
  const fixed = draft.fixedUsername.trim();
  return (
    <FormDialog
      onClose={onClose}
      title="hearth.invites.create_title"
      submitLabel="hearth.invites.create_submit"
      messageArgs={{ name: instance.name }}
      disabled={pending}
      onSubmit={create}
    >
      <TextField
        label={translate('resources.instance-invites.fields.note')}
        value={draft.note}
        onChange={(event) => update({ note: event.target.value })}
        helperText={errors.note ?? translate('hearth.invites.note_help')}
        error={Boolean(errors.note)}
        autoFocus
        slotProps={{ htmlInput: { maxLength: 200 } }}
      />
      <TextField
        select
        label={translate('hearth.invites.lifetime_label')}
        value={draft.expiresInHours}
        onChange={(event) => update({ expiresInHours: Number(event.target.value) })}
      >
        {LIFETIMES.map(({ hours, label }) => (
          <MenuItem key={hours} value={hours}>
            {translate(label)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        type="number"
        label={translate('hearth.invites.max_uses')}
        value={draft.maxUses}
        onChange={(event) => update({ maxUses: event.target.value })}
        error={Boolean(errors.maxUses)}
        helperText={translate(errors.maxUses ?? 'hearth.invites.max_uses_help')}
        slotProps={{ htmlInput: { min: 1, max: 100, step: 1 } }}
      />
      <TextField
        label={translate('resources.instance-invites.fields.fixedUsername')}
        value={draft.fixedUsername}
        onChange={(event) => update({ fixedUsername: event.target.value })}
        autoComplete="off"
        error={Boolean(errors.fixedUsername)}
        helperText={
          errors.fixedUsername ??
          translate(fixed ? USERNAME_RULES[protocolOf(instance.kind)] : 'hearth.invites.fixed_username_help', {
            address: accountAddress(instance.kind, fixed, instance.domain),
          })
        }
        slotProps={{ htmlInput: { spellCheck: false, autoCapitalize: 'none', maxLength: 255 } }}
      />
      {problem && <Alert severity="error">{translate(problem)}</Alert>}
    </FormDialog>
  );
}
