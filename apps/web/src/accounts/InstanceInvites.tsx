import { useState } from 'react';
import BlockIcon from '@mui/icons-material/Block';
import { Chip } from '@mui/material';
import type { Instance, Invite } from '@hearth/contracts';
import { Button, Confirm, DataTable, DateField, List, TextField, TopToolbar, useDataProvider, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { useCan } from '../access';
import { useRequest } from '../common/useRequest';
import type { HearthDataProvider } from '../dataProvider';
import { CreateInviteButton } from './CreateInviteButton';
import { InstanceSubPage } from './InstanceSubPage';

type InviteState = 'active' | 'used' | 'expired' | 'revoked';

const STATE: Record<InviteState, { label: string; colour: 'success' | 'default' | 'warning' }> = {
  active: { label: 'hearth.invites.state.active', colour: 'success' },
  used: { label: 'hearth.invites.state.used', colour: 'default' },
  expired: { label: 'hearth.invites.state.expired', colour: 'default' },
  revoked: { label: 'hearth.invites.state.revoked', colour: 'warning' },
};

function stateOf(invite: Invite): InviteState {
  if (invite.revokedAt) return 'revoked';
  if (invite.uses >= invite.maxUses) return 'used';
  return Date.parse(invite.expiresAt) <= Date.now() ? 'expired' : 'active';
}

function InviteStateChip() {
  const translate = useTranslate();
  const invite = useRecordContext<Invite>();
  if (!invite) return null;
  const { label, colour } = STATE[stateOf(invite)];
  return <Chip size="small" color={colour} variant={colour === 'default' ? 'outlined' : 'filled'} label={translate(label)} />;
}

function InviteUses() {
  const translate = useTranslate();
  const invite = useRecordContext<Invite>();
  return invite ? <>{translate('hearth.invites.uses_of', { uses: invite.uses, max: invite.maxUses })}</> : null;
}

/** Withdrawing an invite stops its link at once; confirmed, since whoever holds it is left out. */
function RevokeInviteButton({ instance }: { instance: Instance }) {
  const invite = useRecordContext<Invite>();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { pending, run } = useRequest();
  const [confirming, setConfirming] = useState(false);
  if (!invite || stateOf(invite) !== 'active') return null;
  const args = { note: invite.note ?? invite.fixedUsername ?? '' };
  return (
    <>
      <Button label="hearth.invites.revoke" onClick={() => setConfirming(true)} color="error">
        <BlockIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        loading={pending}
        title={args.note ? 'hearth.invites.revoke_title_named' : 'hearth.invites.revoke_title'}
        content="hearth.invites.revoke_content"
        confirm="hearth.invites.revoke"
        confirmColor="warning"
        translateOptions={args}
        onClose={() => setConfirming(false)}
        onConfirm={() =>
          run(
            () => dataProvider.revokeInvite(instance.id, invite.id),
            () => {
              setConfirming(false);
              notify('hearth.invites.revoked', { type: 'info' });
              refresh();
            },
          )
        }
      />
    </>
  );
}

/** The server's invite links, newest first: how often each was used, until when it works, and who it is for. */
function InviteList({ instance }: { instance: Instance }) {
  const mayManage = useCan('instance-users.manage');
  return (
    <List
      resource="instance-invites"
      title={false}
      queryOptions={{ meta: { instanceId: instance.id } }}
      storeKey={`instance-invites.${instance.id}`}
      actions={<TopToolbar>{mayManage && <CreateInviteButton instance={instance} />}</TopToolbar>}
      // The API answers every invite of the server at once, newest first.
      pagination={false}
      perPage={500}
      empty={false}
      exporter={false}
    >
      <DataTable bulkActionButtons={false} rowClick={false}>
        <DataTable.Col source="note" disableSort>
          <TextField source="note" emptyText="—" />
        </DataTable.Col>
        <DataTable.Col source="fixedUsername" disableSort>
          <TextField source="fixedUsername" emptyText="hearth.invites.any_username" />
        </DataTable.Col>
        <DataTable.Col source="uses" disableSort>
          <InviteUses />
        </DataTable.Col>
        <DataTable.Col source="state" disableSort>
          <InviteStateChip />
        </DataTable.Col>
        <DataTable.Col source="expiresAt" disableSort>
          <DateField source="expiresAt" showTime />
        </DataTable.Col>
        <DataTable.Col source="createdAt" disableSort>
          <DateField source="createdAt" showTime />
        </DataTable.Col>
        {mayManage && (
          <DataTable.Col label="hearth.invites.actions">
            <RevokeInviteButton instance={instance} />
          </DataTable.Col>
        )}
      </DataTable>
    </List>
  );
}

export default function InstanceInvites() {
  return <InstanceSubPage page="invites">{(instance) => <InviteList instance={instance} />}</InstanceSubPage>;
}
