import { Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel } from '@mui/material';
import type { BackupRecipient } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { shortKey } from '../format';

interface RecipientChoiceProps {
  recipients: BackupRecipient[];
  value: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}

/** The keys a backup is encrypted to: the private half of any one of them restores it. */
export function RecipientChoice({ recipients, value, onChange, error }: RecipientChoiceProps) {
  const translate = useTranslate();
  const toggle = (id: string, checked: boolean) => onChange(checked ? [...value, id] : value.filter((chosen) => chosen !== id));
  return (
    <FormControl component="fieldset" error={Boolean(error)}>
      <FormLabel component="legend">{translate('hearth.backups.choice.recipients')}</FormLabel>
      <FormGroup>
        {recipients.map((recipient) => (
          <FormControlLabel
            key={recipient.id}
            control={<Checkbox checked={value.includes(recipient.id)} onChange={(event) => toggle(recipient.id, event.target.checked)} />}
            label={translate('hearth.backups.choice.recipient', { name: recipient.name, key: shortKey(recipient.publicKey) })}
          />
        ))}
      </FormGroup>
      <FormHelperText>{error ?? translate('hearth.backups.choice.recipients_help')}</FormHelperText>
    </FormControl>
  );
}
