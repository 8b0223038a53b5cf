import { Alert, Box, Button, FormControl, FormControlLabel, FormHelperText, FormLabel, Radio, RadioGroup, Skeleton, Stack, Typography } from '@mui/material';
import type { InstanceKind, InstanceKindAvailability } from '@hearth/contracts';
import { Link, useTranslate } from 'react-admin';
import { type ManagedRuntime, RUNTIME_TEXT, kindSelectable, offersContainer, processReady, runtimeOptions } from './draft';

interface KindStepProps {
  kinds: InstanceKindAvailability[] | undefined;
  isPending: boolean;
  error: Error | null;
  onRetry: () => void;
  value: InstanceKind | '';
  onChange: (kind: InstanceKind) => void;
  fieldError?: string;
  runtime: ManagedRuntime;
  onRuntimeChange: (runtime: ManagedRuntime) => void;
  /** The API's word on the runtime (instance/runtime_unsupported), shown by the runtime choice. */
  runtimeError?: string;
}

/**
 * Every kind Hearth knows; the ones this host lacks stay visible, disabled, with how to install them
 * (unless Hearth can run them in a container). A kind's problems are why it can't run here, or, when
 * it can, notes such as "built on first use". Below them, where the chosen kind also runs in a
 * container, where it should run.
 */
export function KindStep({ kinds, isPending, error, onRetry, value, onChange, fieldError, runtime, onRuntimeChange, runtimeError }: KindStepProps) {
  const translate = useTranslate();
  if (isPending) return <Skeleton variant="rectangular" height={160} />;
  if (error || !kinds) {
    return (
      <Alert
        severity="error"
        action={
          <Button color="inherit" size="small" onClick={onRetry}>
            {translate('ra.action.refresh')}
          </Button>
        }
      >
        {error?.message ?? translate('ra.notification.http_error')}
      </Alert>
    );
  }
  const noneAvailable = !kinds.some(kindSelectable);
  const chosen = kinds.find((kind) => kind.kind === value);
  const runtimes = runtimeOptions(chosen);
  // Without a choice of runtime on screen, the API's word on it belongs to the program.
  const kindError = fieldError ?? (runtimes.length === 0 ? runtimeError : undefined);
  return (
    <Stack spacing={3}>
      <FormControl error={Boolean(kindError)} fullWidth>
        <FormLabel id="instance-kind-label">{translate('hearth.instances.wizard.kind_label')}</FormLabel>
        {noneAvailable && (
          <Alert severity="warning" sx={{ my: 1 }}>
            {translate('hearth.instances.wizard.none_available')}
          </Alert>
        )}
        <RadioGroup
          aria-labelledby="instance-kind-label"
          value={value}
          onChange={(event) => onChange(event.target.value as InstanceKind)}
        >
          {kinds.map((kind) => {
            const describedBy = `instance-kind-${kind.kind}-about`;
            return (
              <Box key={kind.kind} sx={{ py: 1, borderBottom: 1, borderColor: 'divider' }}>
                <FormControlLabel
                  value={kind.kind}
                  disabled={!kindSelectable(kind)}
                  control={<Radio slotProps={{ input: { 'aria-describedby': describedBy } }} />}
                  label={
                    <Typography component="span" sx={{ fontWeight: 500 }}>
                      {kind.displayName}
                    </Typography>
                  }
                />
                <Box id={describedBy} sx={{ pl: 4 }}>
                  {processReady(kind) ? (
                    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
                      {kind.version ? (
                        <Typography variant="body2" color="text.secondary">
                          {translate('hearth.instances.wizard.installed_version', { version: kind.version })}
                        </Typography>
                      ) : (
                        kind.problems.length === 0 && (
                          <Typography variant="body2" color="text.secondary">
                            {translate('hearth.instances.wizard.installed')}
                          </Typography>
                        )
                      )}
                      {kind.problems.map((problem) => (
                        <Alert key={problem} severity="info" role="note" sx={{ py: 0 }}>
                          {problem}
                        </Alert>
                      ))}
                    </Stack>
                  ) : (
                    <Stack spacing={0.5}>
                      <Typography variant="body2" color="text.secondary">
                        {translate(offersContainer(kind) ? 'hearth.instances.wizard.not_installed_container' : 'hearth.instances.wizard.not_installed')}
                      </Typography>
                      {kind.installHint && (
                        <Typography
                          variant="body2"
                          component="pre"
                          sx={{ fontFamily: 'monospace', whiteSpace: 'pre-wrap', m: 0, p: 1, bgcolor: 'action.hover', borderRadius: 1 }}
                        >
                          {kind.installHint}
                        </Typography>
                      )}
                      {kind.problems.map((problem) => (
                        <Typography key={problem} variant="body2" color="warning.main">
                          {problem}
                        </Typography>
                      ))}
                    </Stack>
                  )}
                  {kind.runtimes.includes('external') && (
                    <Typography variant="body2" sx={{ mt: 0.5 }}>
                      <Link to="/instances/adopt">{translate('hearth.instances.wizard.adopt_instead', { name: kind.displayName })}</Link>
                    </Typography>
                  )}
                </Box>
              </Box>
            );
          })}
        </RadioGroup>
        {kindError && <FormHelperText>{kindError}</FormHelperText>}
      </FormControl>
      {chosen && runtimes.length > 0 && (
        <FormControl error={Boolean(runtimeError)} fullWidth>
          <FormLabel id="instance-runtime-label">{translate('hearth.instances.wizard.runtime_label')}</FormLabel>
          <RadioGroup
            aria-labelledby="instance-runtime-label"
            value={runtime}
            onChange={(event) => onRuntimeChange(event.target.value as ManagedRuntime)}
          >
            {runtimes.map(({ runtime: option, enabled }) => {
              const describedBy = `instance-runtime-${option}-about`;
              return (
                <Box key={option} sx={{ py: 0.5 }}>
                  <FormControlLabel
                    value={option}
                    disabled={!enabled}
                    control={<Radio slotProps={{ input: { 'aria-describedby': describedBy } }} />}
                    label={translate(RUNTIME_TEXT[option].label)}
                  />
                  <Typography id={describedBy} variant="body2" color="text.secondary" sx={{ pl: 4 }}>
                    {enabled
                      ? translate(RUNTIME_TEXT[option].help, { name: chosen.displayName })
                      : translate('hearth.instances.wizard.runtime_not_installed', { name: chosen.displayName })}
                  </Typography>
                </Box>
              );
            })}
          </RadioGroup>
          {runtimeError && <FormHelperText>{runtimeError}</FormHelperText>}
        </FormControl>
      )}
    </Stack>
  );
}
