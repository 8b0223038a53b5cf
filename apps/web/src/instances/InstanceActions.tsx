import { useState } from 'react';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
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

export type InstanceOperation = InstanceCommand | 'destroy';

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
};

/** Which commands make sense in the instance's current state. */
function possible(instance: Instance): Record<InstanceCommand, boolean> {
  const settingUp = instance.status === 'provisioning' || instance.status === 'upgrading';
  return {
    start: !settingUp && (instance.desiredState === 'stopped' || ['stopped', 'failed', 'down'].includes(instance.status)),
    stop: !settingUp && instance.desiredState === 'running' && instance.status !== 'stopped',
    restart: !settingUp && ['running', 'degraded', 'down'].includes(instance.status),
  };
}

/** Start, stop, restart (each confirmed) and destroy (confirmed by typing the name); admins and owners only. */
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
  const destroy = useMutation({
    mutationFn: ({ id, confirmation, reason }: TypeToConfirmValues & { id: string }) =>
      dataProvider.destroyInstance(id, confirmation, reason || undefined),
    onSuccess: ({ jobId }) => {
      setDestroying(false);
      onStarted('destroy', jobId);
    },
    onError: notifyError,
  });
  if (!instance || !mayManage) return <TopToolbar />;

  const allowed = possible(instance);
  const pending = busy || command.isPending;
  return (
    <TopToolbar>
      {(Object.keys(COMMANDS) as InstanceCommand[]).map((name) => {
        const { label, Icon } = COMMANDS[name];
        return (
          <Button key={name} label={label} onClick={() => setConfirming(name)} disabled={pending || !allowed[name]}>
            <Icon />
          </Button>
        );
      })}
      <Button label="hearth.instances.actions.destroy" color="error" onClick={() => setDestroying(true)} disabled={pending}>
        <DeleteForeverIcon />
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
        title="hearth.instances.destroy.title"
        content="hearth.instances.destroy.content"
        confirmLabel="hearth.instances.destroy.confirm_label"
        reasonLabel="hearth.instances.destroy.reason"
        submitLabel="hearth.instances.destroy.submit"
        messageArgs={{ name: instance.name, domain: instance.domain }}
        expected={instance.name}
        pending={destroy.isPending}
        onConfirm={(values) => destroy.mutate({ id: instance.id, ...values })}
      />
    </TopToolbar>
  );
}
