import type { useTranslate } from 'react-admin';

/** The API's refusal of a key (not one, or one already added) goes under the key. */
export const RECIPIENT_CODE_FIELDS = { 'backup_recipient/invalid': 'publicKey' };

/** A key needs a name, which says whose it is or where its private half is kept. */
export function checkName(name: string, translate: ReturnType<typeof useTranslate>): Record<string, string> {
  return name.trim() === '' ? { name: translate('ra.validation.required') } : {};
}
