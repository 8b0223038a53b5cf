import { type ConfirmedValues, ReasonDialog } from './ReasonDialog';

export type TypeToConfirmValues = ConfirmedValues;

interface TypeToConfirmDialogProps {
  open: boolean;
  onClose: () => void;
  /** Message keys, each translated with `messageArgs`. */
  title: string;
  content: string;
  confirmLabel: string;
  submitLabel: string;
  messageArgs?: Record<string, unknown>;
  /** The value to type before the submit button enables. */
  expected: string;
  ignoreCase?: boolean;
  /** The action is under way: the submit button stays disabled. */
  pending: boolean;
  onConfirm: (values: TypeToConfirmValues) => void;
}

/** Confirms a destructive action by having the operator type a value (a name, an email) and an optional reason for the audit log. */
export function TypeToConfirmDialog({ confirmLabel, expected, ignoreCase, ...dialog }: TypeToConfirmDialogProps) {
  return <ReasonDialog {...dialog} typeToConfirm={{ label: confirmLabel, expected, ignoreCase }} />;
}
