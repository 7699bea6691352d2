-- Day 4 (Warden): a row never changes organization. A BEFORE UPDATE OF org_id trigger on
-- every tenant table refuses the change, whoever makes it (RLS does not apply to owners).
create or replace function public.prevent_org_id_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.org_id is distinct from old.org_id then
    raise exception 'org_id is immutable on %', tg_table_name
      using errcode = '42501', hint = 'create a new row in the other organization instead';
  end if;
  return new;
end
$$;

do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    execute format('drop trigger if exists %I on public.%I', t || '_org_id_immutable', t);
    execute format('create trigger %I before update of org_id on public.%I
                    for each row execute function public.prevent_org_id_change()', t || '_org_id_immutable', t);
  end loop;
end
$$;
