import { useId } from 'react';
import { FormControl, FormControlLabel, FormLabel, Radio, RadioGroup } from '@mui/material';
import { ReactivateRequest } from '@hearth/contracts';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../common/dates';
import { PasswordField } from '../common/PasswordField';
import { ShownOnceDialog } from '../common/ShownOnceDialog';
import type { IssuedAccountLink } from '../dataProvider';

/** A one-time link lets the person choose their own password, which the operator never learns. */
export type PasswordMethod = 'link' | 'password';

/** The API's rule for account passwords (the server may add its own). */
export function isValidAccountPassword(password: string): boolean {
  return ReactivateRequest.shape.password.safeParse(password).success;
}

/** The request's way of saying which method: a password, or `setPasswordLink: true`. */
export function passwordRequest(method: PasswordMethod, password: string): { password: string } | { setPasswordLink: true } {
  return method === 'link' ? { setPasswordLink: true } : { password };
}

interface PasswordChoiceProps {
  /** Without a link to choose (unlocking), only the password. */
  offerLink?: boolean;
  method: PasswordMethod;
  onMethod: (method: PasswordMethod) => void;
  password: string;
  onPassword: (password: string) => void;
  error?: string;
}

/** A one-time link or a password the operator sets, for a new account or a reset; a password only to unlock. */
export function PasswordChoice({ offerLink = true, method, onMethod, password, onPassword, error }: PasswordChoiceProps) {
  const translate = useTranslate();
  const labelId = useId();
  return (
    <>
      {offerLink && (
        <FormControl>
          <FormLabel id={labelId}>{translate('hearth.accounts.password_method')}</FormLabel>
          <RadioGroup aria-labelledby={labelId} value={method} onChange={(event) => onMethod(event.target.value as PasswordMethod)}>
            <FormControlLabel value="link" control={<Radio />} label={translate('hearth.accounts.method_link')} />
            <FormControlLabel value="password" control={<Radio />} label={translate('hearth.accounts.method_password')} />
          </RadioGroup>
        </FormControl>
      )}
      {method === 'password' && (
        <PasswordField
          label={offerLink ? 'hearth.accounts.password' : 'hearth.accounts.new_password'}
          help="hearth.accounts.password_help"
          error={error}
          value={password}
          onChange={onPassword}
          // Someone else's password: the operator's password manager should not offer to keep it.
          autoComplete="off"
          autoFocus
        />
      )}
    </>
  );
}

/** The set-password link the API answered, once. */
export function SetPasswordLinkDialog({ issued, onClose }: { issued: IssuedAccountLink & { setPasswordUrl: string; expiresAt: string }; onClose: () => void }) {
  return (
    <ShownOnceDialog
      title="hearth.accounts.link_title"
      warning="hearth.accounts.link_warning"
      label="hearth.common.one_time_link"
      doneLabel="hearth.common.link_copied"
      messageArgs={{ username: issued.username, expires: formatDateTime(issued.expiresAt) }}
      value={issued.setPasswordUrl}
      onClose={onClose}
    />
  );
}

/** Whether the answer carries a set-password link (it does when one was asked for). */
export function hasLink(issued: IssuedAccountLink): issued is IssuedAccountLink & { setPasswordUrl: string; expiresAt: string } {
  return issued.setPasswordUrl !== undefined && issued.expiresAt !== undefined;
}
