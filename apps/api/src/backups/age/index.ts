export { AgeError, type AgeErrorCode } from './age-error';
export { generateIdentity, parseIdentities, parseRecipient, recipientOf } from './age-keys';
export { createDecryptStream, createEncryptStream } from './age-stream';
