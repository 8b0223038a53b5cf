import { type ReactElement, type ReactNode, useState } from 'react';
import { Tooltip } from '@mui/material';
import { Button } from 'react-admin';

interface GatedButtonProps {
  /** Catalogue key. */
  label: string;
  icon: ReactElement;
  onClick: () => void;
  /** Why the server can't do this; the button is then disabled and says why on hover and to screen readers. */
  unsupported?: string;
  disabled?: boolean;
  color?: 'primary' | 'error';
  variant?: 'text' | 'outlined' | 'contained';
}

/** An action button that stays visible where the server lacks the action, disabled with the reason. */
export function GatedButton({ label, icon, onClick, unsupported, disabled = false, color, variant }: GatedButtonProps) {
  const button = (
    <Button label={label} onClick={onClick} disabled={disabled || unsupported !== undefined} color={color} variant={variant}>
      {icon}
    </Button>
  );
  if (unsupported === undefined) return button;
  // A disabled button gets no pointer events: the tooltip hangs on a wrapper that does.
  return (
    <Tooltip title={unsupported} describeChild>
      <span>{button}</span>
    </Tooltip>
  );
}

/** A gated button opening a dialog, which is mounted only while open (so each opening starts afresh). */
export function GatedDialogButton({ dialog, ...button }: Omit<GatedButtonProps, 'onClick'> & { dialog: (close: () => void) => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <GatedButton {...button} onClick={() => setOpen(true)} />
      {open && dialog(() => setOpen(false))}
    </>
  );
}
