/**
 * Every error code the API can answer with. Codes are stable: clients and scripts match
 * on them, so rename never, add freely. docs/api/errors.md lists them for operators (a test keeps it complete).
 */
export const ERROR_CODES = {
  'request/invalid': { status: 400, title: 'The request is invalid' },
  'request/malformed_json': { status: 400, title: 'The request body is not valid JSON' },
  'request/unsupported_media_type': { status: 415, title: 'Send the body as application/json' },
  'request/too_large': { status: 413, title: 'The request body is too large' },
  'request/route_not_found': { status: 404, title: 'There is no such API route' },
  'request/method_not_allowed': { status: 405, title: 'The route does not accept this method' },

  'auth/unauthenticated': { status: 401, title: 'Log in or send a valid token' },
  'auth/invalid_credentials': { status: 401, title: 'Email or password is wrong' },
  'auth/totp_required': { status: 401, title: 'This account needs an authentication code' },
  'auth/totp_invalid': { status: 401, title: 'The authentication code is wrong or was already used' },
  'auth/throttled': { status: 429, title: 'Too many failed attempts; wait before trying again' },
  'auth/forbidden': { status: 403, title: 'Your role does not allow this' },
  'auth/wrong_password': { status: 400, title: 'The current password is wrong' },
  'auth/totp_already_enabled': { status: 409, title: 'Two-factor authentication is already on' },
  'auth/totp_not_enrolled': { status: 409, title: 'Start enrolment before confirming a code' },

  'operator/not_found': { status: 404, title: 'No such operator' },
  'operator/email_taken': { status: 409, title: 'An operator with this email exists' },
  'operator/role_too_high': { status: 403, title: 'You can only grant roles up to your own' },
  'operator/last_owner': { status: 409, title: 'Hearth must keep at least one active owner' },
  'operator/confirmation_mismatch': { status: 400, title: 'The confirmation does not match' },

  'token/not_found': { status: 404, title: 'No such API token' },
  'token/role_too_high': { status: 403, title: 'A token cannot have a higher role than you' },
  'token/expiry_in_past': { status: 400, title: 'The expiry must be in the future' },

  'audit/not_found': { status: 404, title: 'No such audit event' },

  'job/not_found': { status: 404, title: 'No such job' },
  'job/not_retryable': { status: 409, title: 'Only failed or cancelled jobs can be retried' },
  'job/not_cancellable': { status: 409, title: 'Only queued or running jobs can be cancelled' },

  'instance/not_found': { status: 404, title: 'No such instance' },
  'instance/name_taken': { status: 409, title: 'An instance with this name exists' },
  'instance/domain_taken': { status: 409, title: 'An instance already serves this domain' },
  'instance/not_managed': { status: 409, title: 'Hearth does not manage this server\'s process' },
  'instance/not_adoptable': { status: 409, title: 'Hearth cannot adopt this kind of server' },
  'instance/adopt_unreachable': { status: 422, title: 'The server did not answer' },
  'instance/adopt_not_synapse': { status: 422, title: 'The URL does not lead to a Matrix server' },
  'instance/adopt_not_admin': { status: 422, title: 'The credentials are not a server admin\'s' },
  'instance/adopt_credentials_rejected': { status: 422, title: 'The server rejected the credentials' },
  'instance/kind_unavailable': { status: 409, title: 'This homeserver program is not installed on the host' },
  'instance/runtime_unsupported': { status: 409, title: 'This runtime is not available' },
  'instance/settings_invalid': { status: 400, title: 'The instance settings are not valid' },
  'instance/bind_address_unavailable': { status: 400, title: 'The bind address is not an address of this host' },
  'instance/ports_exhausted': { status: 409, title: 'No free port is left in the port range' },
  'instance/uids_exhausted': { status: 409, title: 'No uid is left for another instance' },
  'instance/busy': { status: 409, title: 'Another operation on this instance is not finished' },
  'instance/confirmation_mismatch': { status: 400, title: 'The confirmation does not match' },

  'homeserver/unavailable': { status: 502, title: 'The homeserver did not answer' },
  'homeserver/admin_failed': { status: 502, title: 'The homeserver\'s admin interface reported an error' },
  'capability/unsupported': { status: 409, title: 'This server does not support the action' },
  'instance_user/invalid': { status: 400, title: 'The user name or password is not valid for this server' },
  'instance_user/reserved': { status: 409, title: 'This account belongs to Hearth' },
  'instance_user/exists': { status: 409, title: 'The account exists' },
  'instance_user/not_found': { status: 404, title: 'No such account on this server' },
  'instance_user/confirmation_mismatch': { status: 400, title: 'The confirmation does not match' },
  'instance_user/session_not_found': { status: 404, title: 'No such session' },
  'invite/not_found': { status: 404, title: 'No such invite' },
  'room/not_found': { status: 404, title: 'No such room on this server' },
  'room/confirmation_mismatch': { status: 400, title: 'The confirmation does not match' },
  'report/not_found': { status: 404, title: 'No such report' },
  'registration_token/not_found': { status: 404, title: 'No such registration token' },
  'link/not_found': { status: 404, title: 'This link is not valid' },
  'link/expired': { status: 410, title: 'This link has expired or was withdrawn' },
  'link/used_up': { status: 410, title: 'This link has been used' },
  'link/username_fixed': { status: 400, title: 'This invite is for another user name' },
  'link/throttled': { status: 429, title: 'Too many attempts' },

  'alert_channel/not_found': { status: 404, title: 'No such alert channel' },
  'alert_channel/name_taken': { status: 409, title: 'An alert channel with this name exists' },

  'service/unavailable': { status: 503, title: 'A service Hearth depends on is unavailable' },
  'internal/error': { status: 500, title: 'Hearth failed unexpectedly; the log has details' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
