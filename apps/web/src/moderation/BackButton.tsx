import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import { Box } from '@mui/material';
import { Button, Link } from 'react-admin';

/** The way up from a moderation page (to the queue, the server, the room list); `label` is a catalogue key or a name. */
export function BackButton({ to, label }: { to: string; label: string }) {
  return (
    <Box>
      <Button component={Link} to={to} label={label}>
        <ArrowBackIcon />
      </Button>
    </Box>
  );
}
