/// One `pg_catalog` query per object kind, each sorted by qualified name, so that a snapshot costs
/// the same few round trips whatever the number of tables.
///
/// Run with `search_path = pg_catalog`, so that the `pg_get_*def` texts qualify every name.
enum CatalogQueries {
    /// Schemas that belong to PostgreSQL or to Tollgate's own ledger, never to the application.
    static let schemaFilter = """
        n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'tollgate')
        and n.nspname !~ '^pg_(toast_)?temp_'
        """

    static let schemas = """
        select n.nspname::text as schema, pg_get_userbyid(n.nspowner)::text as owner
        from pg_namespace n where \(schemaFilter) order by 1
        """

    static let relations = """
        select n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind,
               pg_get_userbyid(c.relowner)::text as owner, c.relrowsecurity as rls,
               c.relforcerowsecurity as forced, coalesce(c.reloptions, '{}')::text[] as options,
               -- Grants to Supabase's API roles (and PUBLIC, which they inherit); roles that do
               -- not exist in this database give no rows.
               coalesce((select array_agg(distinct g.role || ':' || g.privilege order by g.role || ':' || g.privilege)
                         from (select case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end as role,
                                      a.privilege_type as privilege
                               from aclexplode(c.relacl) a) g
                         where g.role in ('anon', 'authenticated', 'public')), '{}') as api_grants
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and \(schemaFilter)
        order by 1, 2
        """

    static let columns = """
        select n.nspname::text as schema, c.relname::text as relation, a.attname::text as name,
               format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
               pg_get_expr(d.adbin, d.adrelid) as default_expression,
               nullif(a.attgenerated::text, '') as generated
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and a.attnum > 0 and not a.attisdropped
          and \(schemaFilter)
        order by 1, 2, a.attnum
        """

    static let constraints = """
        select n.nspname::text as schema, c.relname::text as relation, k.conname::text as name,
               k.contype::text as kind, pg_get_constraintdef(k.oid) as definition,
               k.convalidated as validated,
               coalesce((select array_agg(a.attname::text order by x.ord)
                         from unnest(k.conkey) with ordinality as x(attnum, ord)
                         join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum), '{}') as columns,
               rn.nspname::text as referenced_schema, rc.relname::text as referenced_table,
               coalesce((select array_agg(a.attname::text order by x.ord)
                         from unnest(k.confkey) with ordinality as x(attnum, ord)
                         join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum), '{}') as referenced_columns
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_class rc on rc.oid = k.confrelid
        left join pg_namespace rn on rn.oid = rc.relnamespace
        where \(schemaFilter)
        order by 1, 2, 3
        """

    static let indexes = """
        select n.nspname::text as schema, t.relname::text as relation, i.relname::text as name,
               coalesce((select array_agg(coalesce(a.attname::text, '(expression)') order by x.ord)
                         from unnest(ix.indkey::int2[]) with ordinality as x(attnum, ord)
                         left join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = x.attnum
                         where x.ord <= ix.indnkeyatts), '{}') as columns,
               ix.indisunique as is_unique, ix.indisprimary as is_primary, ix.indisvalid as valid,
               pg_get_expr(ix.indpred, ix.indrelid) as predicate,
               pg_get_indexdef(ix.indexrelid) as definition
        from pg_index ix
        join pg_class i on i.oid = ix.indexrelid
        join pg_class t on t.oid = ix.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where \(schemaFilter)
        order by 1, 2, 3
        """

    static let functions = """
        select n.nspname::text as schema, p.proname::text as name,
               pg_get_function_identity_arguments(p.oid) as arguments,
               coalesce(pg_get_function_result(p.oid), '') as result,
               p.provolatile::text as volatility, p.prosecdef as security_definer,
               coalesce(p.proconfig, '{}')::text[] as settings, l.lanname::text as language,
               pg_get_userbyid(p.proowner)::text as owner, coalesce(p.prosrc, '') as body
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        join pg_language l on l.oid = p.prolang
        where \(schemaFilter)
        order by 1, 2, 3
        """

    static let triggers = """
        select n.nspname::text as schema, c.relname::text as relation, t.tgname::text as name,
               fn.nspname::text as function_schema, p.proname::text as function_name,
               case when t.tgtype & 2 = 2 then 'BEFORE' when t.tgtype & 64 = 64 then 'INSTEAD OF'
                    else 'AFTER' end as timing,
               array_remove(array[
                 case when t.tgtype & 4 = 4 then 'INSERT' end,
                 case when t.tgtype & 16 = 16 then 'UPDATE' end,
                 case when t.tgtype & 8 = 8 then 'DELETE' end,
                 case when t.tgtype & 32 = 32 then 'TRUNCATE' end], null) as events,
               case when t.tgtype & 1 = 1 then 'ROW' else 'STATEMENT' end as level,
               t.tgenabled::text as enabled, pg_get_triggerdef(t.oid) as definition
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_proc p on p.oid = t.tgfoid
        join pg_namespace fn on fn.oid = p.pronamespace
        where not t.tgisinternal and \(schemaFilter)
        order by 1, 2, 3
        """

    static let policies = """
        select n.nspname::text as schema, c.relname::text as relation, p.polname::text as name,
               p.polcmd::text as command, p.polpermissive as permissive,
               coalesce((select array_agg(role order by role)
                         from (select case when r = 0 then 'public' else pg_get_userbyid(r)::text end as role
                               from unnest(p.polroles) as r) roles), '{}') as roles,
               pg_get_expr(p.polqual, p.polrelid) as using_expression,
               pg_get_expr(p.polwithcheck, p.polrelid) as check_expression
        from pg_policy p
        join pg_class c on c.oid = p.polrelid
        join pg_namespace n on n.oid = c.relnamespace
        where \(schemaFilter)
        order by 1, 2, 3
        """
}
