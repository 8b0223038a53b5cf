import { useState } from 'react';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import KeyIcon from '@mui/icons-material/Key';
import LinkOffIcon from '@mui/icons-material/LinkOff';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import RestartAltIcon from '@mui/icons-material/RestartAlt';
import StopIcon from '@mui/icons-material/Stop';
import { useMutation } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { Button, Confirm, TopToolbar, useDataProvider, useRecordContext } from 'react-admin';
import { useCan } from '../access';
import { TypeToConfirmDialog, type TypeToConfirmValues } from '../common/TypeToConfirmDialog';
import { useNotifyError } from '../common/useNotifyError';
import type { HearthDataProvider, InstanceCommand } from '../dataProvider';

/** Removing a server Hearth runs destroys it; removing an adopted one only forgets it. */
type Removal = 'destroy' | 'forget';
export type InstanceOperation = InstanceCommand | Removal;

interface InstanceActionsProps {
  /** Whether an operation started here is still running; no other may start meanwhile. */
  busy: boolean;
  onStarted: (operation: InstanceOperation, jobId: string) => void;
}

const COMMANDS: Record<InstanceCommand, { label: string; title: string; content: string; Icon: typeof PlayArrowIcon }> = {
  start: {
    label: 'hearth.instances.actions.start',
    title: 'hearth.instances.actions.start_title',
    content: 'hearth.instances.actions.start_content',
    Icon: PlayArrowIcon,
  },
  stop: {
    label: 'hearth.instances.actions.stop',
    title: 'hearth.instances.actions.stop_title',
    content: 'hearth.instances.actions.stop_content',
    Icon: StopIcon,
  },
  restart: {
    label: 'hearth.instances.actions.restart',
    title: 'hearth.instances.actions.restart_title',
    content: 'hearth.instances.actions.restart_content',
    Icon: RestartAltIcon,
  },
  'rotate-admin-token': {
    label: 'hearth.instances.actions.rotate_token',
    title: 'hearth.instances.actions.rotate_token_title',
    content: 'hearth.instances.actions.rotate_token_content',
    Icon: KeyIcon,
  },
};

/**
 * The commands the instance offers, each with whether it makes sense in its current state. An
 * adopted server runs elsewhere, so Hearth neither starts, stops nor restarts it; the admin token
 * Hearth rotates is the one of its own admin account on a Synapse it runs.
 */
function offered(instance: Instance): Partial<Record<InstanceCommand, boolean>> {
  if (!instance.managed) return {};
  const settingUp = instance.status === 'provisioning' || instance.status === 'upgrading';
  const answering = !settingUp && ['running', 'degraded'].includes(instance.status);
  return {
    start: !settingUp && (instance.desiredState === 'stopped' || ['stopped', 'failed', 'down'].includes(instance.status)),
    stop: !settingUp && instance.desiredState === 'running' && instance.status !== 'stopped',
    restart: !settingUp && ['running', 'degraded', 'down'].includes(instance.status),
    ...(instance.kind === 'synapse' && { 'rotate-admin-token': answering }),
  };
}

const REMOVE_TEXT: Record<Removal, { label: string; Icon: typeof PlayArrowIcon; title: string; content: string; submit: string }> = {
  destroy: {
    label: 'hearth.instances.actions.destroy',
    Icon: DeleteForeverIcon,
    title: 'hearth.instances.destroy.title',
    content: 'hearth.instances.destroy.content',
    submit: 'hearth.instances.destroy.submit',
  },
  forget: {
    label: 'hearth.instances.actions.forget',
    Icon: LinkOffIcon,
    title: 'hearth.instances.forget.title',
    content: 'hearth.instances.forget.content',
    submit: 'hearth.instances.forget.submit',
  },
};

/** Start, stop, restart (each confirmed) and destroy or forget (confirmed by typing the name); admins and owners only. */
export function InstanceActions({ busy, onStarted }: InstanceActionsProps) {
  const instance = useRecordContext<Instance>();
  const mayManage = useCan('instances.manage');
  const notifyError = useNotifyError();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [confirming, setConfirming] = useState<InstanceCommand>();
  const [destroying, setDestroying] = useState(false);
  const command = useMutation({
    mutationFn: ({ id, name }: { id: string; name: InstanceCommand }) => dataProvider.instanceCommand(id, name),
    onSuccess: ({ jobId }, { name }) => {
      setConfirming(undefined);
      onStarted(name, jobId);
    },
    onError: (error) => {
      setConfirming(undefined);
      notifyError(error);
    },
  });
  // Destroying removes the server and its data, so the name must be typed; the reason goes to the audit log.
  // Forgetting an adopted server asks the same: Hearth loses its admin access and history of it.
  const destroy = useMutation({
    mutationFn: ({ id, confirmation, reason }: TypeToConfirmValues & { id: string; removal: Removal }) =>
      dataProvider.destroyInstance(id, confirmation, reason || undefined),
    onSuccess: ({ jobId }, { removal }) => {
      setDestroying(false);
      onStarted(removal, jobId);
    },
    onError: notifyError,
  });
  if (!instance || !mayManage) return <TopToolbar />;

  const commands = offered(instance);
  const pending = busy || command.isPending;
  const removal: Removal = instance.managed ? 'destroy' : 'forget';
  const remove = REMOVE_TEXT[removal];
  return (
    <TopToolbar>
      {(Object.keys(commands) as InstanceCommand[]).map((name) => {
        const { label, Icon } = COMMANDS[name];
        return (
          <Button key={name} label={label} onClick={() => setConfirming(name)} disabled={pending || !commands[name]}>
            <Icon />
          </Button>
        );
      })}
      <Button label={remove.label} color="error" onClick={() => setDestroying(true)} disabled={pending}>
        <remove.Icon />
      </Button>
      {confirming && (
        <Confirm
          isOpen
          title={COMMANDS[confirming].title}
          content={COMMANDS[confirming].content}
          titleTranslateOptions={{ name: instance.name }}
          contentTranslateOptions={{ name: instance.name }}
          confirm={COMMANDS[confirming].label}
          loading={command.isPending}
          onConfirm={() => command.mutate({ id: instance.id, name: confirming })}
          onClose={() => setConfirming(undefined)}
        />
      )}
      <TypeToConfirmDialog
        open={destroying}
        onClose={() => setDestroying(false)}
        title={remove.title}
        content={remove.content}
        confirmLabel="hearth.instances.destroy.confirm_label"
        submitLabel={remove.submit}
        messageArgs={{ name: instance.name, domain: instance.domain }}
        expected={instance.name}
        pending={destroy.isPending}
        onConfirm={(values) => destroy.mutate({ id: instance.id, removal, ...values })}
      />
    </TopToolbar>
  );
}
