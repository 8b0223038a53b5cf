-- Written by hand: Prisma's schema language has no triggers.
--
-- "AuditEvent" is append-only. UPDATE is always refused. DELETE (and TRUNCATE, which
-- would otherwise bypass row triggers) is refused unless the transaction opted in with
--   SET LOCAL hearth.audit_purge = 'on';
-- which only the retention purge does. SET LOCAL ends with the transaction, so the
-- permission cannot leak to later statements on a pooled connection.
-- The error uses SQLSTATE 42501 (insufficient_privilege) so callers can recognise it.

-- CreateFunction
CREATE FUNCTION "AuditEvent_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') AND coalesce(current_setting('hearth.audit_purge', true), '') = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '"AuditEvent" is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Only the retention purge may delete audit events, in a transaction that ran SET LOCAL hearth.audit_purge = ''on''.';
END;
$$;

-- CreateTrigger
CREATE TRIGGER "AuditEvent_append_only_row"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "AuditEvent_append_only"();

-- CreateTrigger
CREATE TRIGGER "AuditEvent_append_only_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "AuditEvent_append_only"();
