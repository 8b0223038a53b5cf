import { Layout, type LayoutProps } from 'react-admin';
import { HearthMenu } from './HearthMenu';

export function HearthLayout({ children }: LayoutProps) {
  return <Layout menu={HearthMenu}>{children}</Layout>;
}
