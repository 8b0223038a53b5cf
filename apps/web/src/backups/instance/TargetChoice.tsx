import { MenuItem, TextField } from '@mui/material';
import type { BackupTarget } from '@hearth/contracts';
import { useTranslate } from 'react-admin';

interface TargetChoiceProps {
  targets: BackupTarget[];
  value: string;
  onChange: (id: string) => void;
  error?: string;
}

/** Where a backup is written. */
export function TargetChoice({ targets, value, onChange, error }: TargetChoiceProps) {
  const translate = useTranslate();
  return (
    <TextField
      select
      label={translate('hearth.backups.choice.target')}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      error={Boolean(error)}
      helperText={error}
      required
    >
      {targets.map((target) => (
        <MenuItem key={target.id} value={target.id}>
          {target.name}
        </MenuItem>
      ))}
    </TextField>
  );
}
