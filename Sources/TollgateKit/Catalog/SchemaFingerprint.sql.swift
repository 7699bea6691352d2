/// One pass over `pg_catalog` that describes every object a rollout touches, one line per
/// object, and hashes the sorted lines.
///
/// Names are keys (never OIDs); definitions come from `pg_get_*def`, which the caller runs
/// with `search_path = pg_catalog` so that every name in them is schema-qualified and the
/// text does not depend on the session. Tollgate's own ledger schema is left out: it is a
/// record of the rollout, not part of the application's schema.
enum SchemaFingerprintSQL {
    static let query = """
        with schemas as (
          select oid, nspname from pg_namespace
          where nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'tollgate')
            and nspname not like 'pg\\_temp\\_%' and nspname not like 'pg\\_toast\\_temp\\_%'
        ),
        lines as (
          select 'schema ' || s.nspname || ' owner ' || pg_get_userbyid(n.nspowner) as line
          from schemas s join pg_namespace n on n.oid = s.oid
          union all
          select 'relation ' || s.nspname || '.' || c.relname || ' kind ' || c.relkind::text
                 || ' rls ' || c.relrowsecurity || ' forced ' || c.relforcerowsecurity
                 || ' options ' || coalesce(array_to_string(c.reloptions, ','), '')
          from pg_class c join schemas s on s.oid = c.relnamespace
          where c.relkind in ('r', 'p', 'v', 'm', 'f')
          union all
          select 'column ' || s.nspname || '.' || c.relname || '.' || a.attname
                 || ' ' || format_type(a.atttypid, a.atttypmod)
                 || case when a.attnotnull then ' not null' else '' end
                 || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
          from pg_attribute a
          join pg_class c on c.oid = a.attrelid
          join schemas s on s.oid = c.relnamespace
          left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
          union all
          select 'constraint ' || s.nspname || '.' || c.relname || '.' || k.conname
                 || ' ' || pg_get_constraintdef(k.oid)
                 || case when k.convalidated then '' else ' (not validated)' end
          from pg_constraint k
          join pg_class c on c.oid = k.conrelid
          join schemas s on s.oid = c.relnamespace
          union all
          select 'index ' || s.nspname || '.' || ic.relname || ' ' || pg_get_indexdef(i.indexrelid)
                 || case when i.indisvalid then '' else ' (invalid)' end
          from pg_index i
          join pg_class ic on ic.oid = i.indexrelid
          join schemas s on s.oid = ic.relnamespace
          union all
          select 'function ' || s.nspname || '.' || p.proname
                 || '(' || pg_get_function_identity_arguments(p.oid) || ') returns '
                 || pg_get_function_result(p.oid) || ' volatility ' || p.provolatile::text
                 || case when p.prosecdef then ' security definer' else '' end
                 || coalesce(' config ' || array_to_string(p.proconfig, ','), '')
                 || ' body ' || md5(coalesce(p.prosrc, ''))
          from pg_proc p join schemas s on s.oid = p.pronamespace
          union all
          select 'trigger ' || s.nspname || '.' || c.relname || '.' || t.tgname
                 || ' ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text
          from pg_trigger t
          join pg_class c on c.oid = t.tgrelid
          join schemas s on s.oid = c.relnamespace
          where not t.tgisinternal
          union all
          select 'policy ' || s.nspname || '.' || c.relname || '.' || p.polname
                 || ' ' || p.polcmd::text || case when p.polpermissive then ' permissive' else ' restrictive' end
                 || ' to ' || coalesce((select string_agg(
                        case when r = 0 then 'public' else pg_get_userbyid(r) end, ',' order by 1)
                      from unnest(p.polroles) as r), '')
                 || ' using ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
                 || ' check ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
          from pg_policy p
          join pg_class c on c.oid = p.polrelid
          join schemas s on s.oid = c.relnamespace
        )
        select md5(coalesce(string_agg(line, E'\\n' order by line), '')) as fingerprint,
               count(*) as objects
        from lines
        """
}
