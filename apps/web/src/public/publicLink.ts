/** What a public link is for; Hearth hands them out as <public URL>/invite/<token> and /set-password/<token>. */
export type LinkPurpose = 'invite' | 'set-password';

export interface PublicLinkPath {
  purpose: LinkPurpose;
  token: string;
}

/** The link a page address opens, if it is one: these pages live outside the console's hash routes. */
export function publicLinkOf(pathname: string): PublicLinkPath | undefined {
  const match = /^\/(invite|set-password)\/([^/]+)\/?$/.exec(pathname);
  return match ? { purpose: match[1] as LinkPurpose, token: match[2] } : undefined;
}
