import { useEffect, useRef, useState } from 'react';
import DownloadIcon from '@mui/icons-material/Download';
import RefreshIcon from '@mui/icons-material/Refresh';
import { Alert, Box, Button, MenuItem, Skeleton, Stack, TextField, Typography } from '@mui/material';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Instance } from '@hearth/contracts';
import { useDataProvider, useTranslate } from 'react-admin';
import { downloadText } from '../common/download';
import { Section } from '../common/Section';
import type { HearthDataProvider } from '../dataProvider';

const TAIL_SIZES = [50, 200, 1000, 5000];

/** The end of the server's log, monospace, newest at the bottom; for moderators and above. */
export function LogsSection({ instance }: { instance: Instance }) {
  const translate = useTranslate();
  const dataProvider = useDataProvider<HearthDataProvider>();
  const [tail, setTail] = useState(200);
  const logs = useQuery({
    queryKey: ['hearth', 'instances', instance.id, 'logs', tail],
    queryFn: ({ signal }) => dataProvider.getInstanceLogs(instance.id, tail, signal),
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: false,
  });
  const view = useRef<HTMLPreElement>(null);
  // Each new load scrolls to the newest line, like `tail -f`.
  useEffect(() => {
    if (view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [logs.data]);

  return (
    <Section title="hearth.instances.logs.title">
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mb: 2, flexWrap: 'wrap', rowGap: 1 }}>
        <TextField
          select
          size="small"
          label={translate('hearth.instances.logs.tail')}
          value={tail}
          onChange={(event) => setTail(Number(event.target.value))}
          sx={{ minWidth: 160 }}
        >
          {TAIL_SIZES.map((size) => (
            <MenuItem key={size} value={size}>
              {translate('hearth.instances.logs.lines', { smart_count: size })}
            </MenuItem>
          ))}
        </TextField>
        <Button startIcon={<RefreshIcon />} onClick={() => void logs.refetch()} disabled={logs.isFetching}>
          {translate('ra.action.refresh')}
        </Button>
        <Button
          startIcon={<DownloadIcon />}
          disabled={!logs.data?.lines.length}
          onClick={() => downloadText(`${instance.name}.log`, `${logs.data?.lines.join('\n') ?? ''}\n`)}
        >
          {translate('hearth.instances.logs.download')}
        </Button>
      </Stack>
      {logs.isPending ? (
        <Skeleton variant="rectangular" height={240} />
      ) : logs.error ? (
        <Alert severity="error">{logs.error.message}</Alert>
      ) : logs.data.lines.length === 0 ? (
        <Typography>{translate('hearth.instances.logs.empty')}</Typography>
      ) : (
        <Box
          component="pre"
          ref={view}
          tabIndex={0}
          aria-label={translate('hearth.instances.logs.title')}
          data-testid="instance-logs"
          sx={{
            m: 0,
            p: 1.5,
            maxHeight: 420,
            overflow: 'auto',
            fontFamily: 'monospace',
            fontSize: 12,
            lineHeight: 1.5,
            whiteSpace: 'pre-wrap',
            wordBreak: 'break-all',
            bgcolor: 'grey.900',
            color: 'grey.100',
            borderRadius: 1,
          }}
        >
          {logs.data.lines.join('\n')}
        </Box>
      )}
    </Section>
  );
}
