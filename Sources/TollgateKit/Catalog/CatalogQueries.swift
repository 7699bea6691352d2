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

    /// Leaves out PostgreSQL's bootstrap objects by OID, before the schema filter would.
    ///
    /// Their OIDs are assigned by hand below 10000 (`FirstGenbkiObjectId`), which the OID
    /// counter never hands out (a table made in single-user mode right after initdb can have
    /// one from 12000), and they all live in `pg_catalog` and `pg_toast`. The bound lets a
    /// catalog's OID index skip them: most of a small database's `pg_proc`, `pg_description`
    /// and `pg_attribute` (a cold `status` reads 1.4 ms less of the server per database). A
    /// built-in function or type a superuser moved out of `pg_catalog` (`alter function
    /// lower(text) set schema public`) is left out with them.
    static func created(_ oid: String) -> String { "\(oid) >= 10000" }

    /// Whether the object `oid` of catalog `catalog` belongs to an extension (`pg_depend`
    /// type `e`): it is the extension's, not the application's.
    static func notInExtension(_ catalog: String, _ oid: String) -> String {
        "not exists (select from pg_depend xd where xd.classid = '\(catalog)'::regclass and xd.objid = \(oid) and xd.deptype = 'e')"
    }

    /// An ACL as sorted `role:PRIVILEGE` entries (`+grant` when grantable), leaving out the
    /// owner's own; a null ACL reads as PostgreSQL's default for the object type, so that a
    /// restored dump (which writes only ACLs that differ from the default) compares equal.
    static func privileges(_ acl: String, type: String, owner: String) -> String {
        """
        coalesce((select array_agg(g order by g) from (
                    select distinct case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end
                           || ':' || a.privilege_type || case when a.is_grantable then '+grant' else '' end as g
                    from aclexplode(coalesce(\(acl), acldefault('\(type)', \(owner)))) a
                    where a.grantee <> \(owner) and a.privilege_type <> 'MAINTAIN') x), '{}')
        """
    }

    static let schemas = """
        select n.nspname::text as schema, pg_get_userbyid(n.nspowner)::text as owner,
               \(privileges("n.nspacl", type: "n", owner: "n.nspowner")) as privileges
        from pg_namespace n where \(schemaFilter) order by 1
        """

    static let relations = """
        select n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind,
               pg_get_userbyid(c.relowner)::text as owner, c.relrowsecurity as rls,
               c.relforcerowsecurity as forced,
               coalesce((select array_agg(o order by o) from unnest(c.reloptions) o), '{}')::text[] as options,
               -- Grants to Supabase's API roles (and PUBLIC, which they inherit); roles that do
               -- not exist in this database give no rows.
               coalesce((select array_agg(distinct g.role || ':' || g.privilege order by g.role || ':' || g.privilege)
                         from (select case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end as role,
                                      a.privilege_type as privilege
                               from aclexplode(c.relacl) a) g
                         where g.role in ('anon', 'authenticated', 'public')), '{}') as api_grants,
               \(privileges("c.relacl", type: "r", owner: "c.relowner")) as privileges,
               case c.relpersistence when 'u' then 'unlogged' end as persistence,
               -- Realtime needs FULL to send old rows; 'd' (the primary key) is the default.
               case c.relreplident when 'f' then 'full' when 'n' then 'nothing'
                    when 'i' then 'index ' || (select ri.relname::text from pg_index x join pg_class ri on ri.oid = x.indexrelid
                                                 where x.indrelid = c.oid and x.indisreplident) end as replica_identity,
               rd.description as comment,
               case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
               case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
               coalesce((select array_agg(pn.nspname::text || '.' || pc.relname::text order by i.inhseqno)
                         from pg_inherits i join pg_class pc on pc.oid = i.inhparent
                         join pg_namespace pn on pn.oid = pc.relnamespace
                         where i.inhrelid = c.oid), '{}') as parents,
               case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as view_definition
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join pg_description rd on rd.objoid = c.oid and rd.classoid = 'pg_class'::regclass
          and rd.objsubid = 0 and \(created("rd.objoid"))
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and \(created("c.oid")) and \(schemaFilter)
          and \(notInExtension("pg_class", "c.oid"))
        order by 1, 2
        """

    static let columns = """
        select n.nspname::text as schema, c.relname::text as relation, a.attname::text as name,
               format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
               -- Only a generated column's expression names columns: a default deparses without
               -- its table, which spares the server opening every table (a cold relcache).
               pg_get_expr(d.adbin, case when a.attgenerated <> '' then d.adrelid else 0 end) as default_expression,
               nullif(a.attgenerated::text, '') as generated,
               case when a.attcollation <> t.typcollation
                    then (select cn.nspname::text || '.' || co.collname::text from pg_collation co
                          join pg_namespace cn on cn.oid = co.collnamespace where co.oid = a.attcollation) end as collation,
               case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
               case when a.attacl is not null then \(privileges("a.attacl", type: "c", owner: "c.relowner")) end as privileges,
               cd.description as comment,
               -- An identity column's sequence: its options are the column's. The refclassid
               -- lets pg_depend's reference index find it: without it each identity column
               -- scanned pg_depend (2,000 tables with one: 2.4 s, against 38 ms).
               (select format('start %s increment %s from %s to %s cache %s%s', s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
                              case when s.seqcycle then ' cycle' else '' end)
                from pg_depend d join pg_sequence s on s.seqrelid = d.objid
                where a.attidentity <> '' and d.classid = 'pg_class'::regclass
                  and d.refclassid = 'pg_class'::regclass and d.refobjid = c.oid
                  and d.refobjsubid = a.attnum and d.deptype = 'i') as identity_sequence
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_type t on t.oid = a.atttypid
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        -- A join, not col_description() row by row: one pass over the comments.
        left join pg_description cd on cd.objoid = a.attrelid and cd.classoid = 'pg_class'::regclass
          and cd.objsubid = a.attnum and \(created("cd.objoid"))
        where c.relkind in ('r', 'p', 'v', 'm', 'f') and \(created("a.attrelid")) and \(created("c.oid"))
          and a.attnum > 0 and not a.attisdropped
          and \(schemaFilter) and \(notInExtension("pg_class", "c.oid"))
        order by 1, 2, a.attnum
        """

    /// Whether plain constraints' and indexes' definitions are written by the queries.
    ///
    /// ``constraints(serverVersion:)`` and ``indexes(serverVersion:)`` write the texts of
    /// `pg_get_constraintdef` and `pg_get_indexdef` on the versions whose texts they are
    /// known to match. Later versions print more (PostgreSQL 18: `NOT ENFORCED`,
    /// `WITHOUT OVERLAPS`).
    static func writesDefinitions(serverVersion: Int) -> Bool {
        serverVersion >= 130_000 && serverVersion < 180_000
    }

    /// Each constraint, with its definition.
    ///
    /// `pg_get_constraintdef` and `pg_get_indexdef` cost most of a large schema's read: each
    /// looks its objects up one by one, in caches that a new connection starts cold (about
    /// 0.3 s of server time for 2,000 tables). A primary key, unique constraint or foreign key
    /// without options beyond the usual ones is written here from the catalog instead, in one
    /// pass, to the same text the function prints; anything else is still the function's
    /// (`CatalogSnapshotTests` compares both on every kind of constraint and index).
    static func constraints(serverVersion: Int) -> String {
        let writes = writesDefinitions(serverVersion: serverVersion)
        let fifteen = serverVersion >= 150_000
        let tail = """
            || case when k.condeferrable then ' DEFERRABLE' else '' end
                                 || case when k.condeferred then ' INITIALLY DEFERRED' else '' end
                                 || case when k.convalidated then '' else ' NOT VALID' end
            """
        let action = { (column: String, clause: String) in
            "case k.\(column) when 'r' then ' \(clause) RESTRICT' when 'c' then ' \(clause) CASCADE' when 'n' then ' \(clause) SET NULL' when 'd' then ' \(clause) SET DEFAULT' else '' end"
        }
        return """
            -- The system catalogs' own keys, most of a small database's, are left out of the pass.
            with keys as (
                select x.oid, x.referenced, array_agg(a.attname::text order by x.ord) as names,
                       string_agg(quote_ident(a.attname), ', ' order by x.ord) as list
                from (select k.oid, false as referenced, k.conrelid as rel, c.attnum, c.ord
                      from pg_constraint k, unnest(k.conkey) with ordinality c(attnum, ord)
                      where \(created("k.conrelid"))
                      union all
                      select k.oid, true, k.confrelid, c.attnum, c.ord
                      from pg_constraint k, unnest(k.confkey) with ordinality c(attnum, ord)
                      where \(created("k.confrelid"))) x
                join pg_attribute a on a.attrelid = x.rel and a.attnum = x.attnum and \(created("a.attrelid"))
                group by x.oid, x.referenced)
            select n.nspname::text as schema, c.relname::text as relation, k.conname::text as name,
                   k.contype::text as kind,
                   case when \(writes ? "true" : "false") and k.contype in ('p', 'u') and kk.list is not null
                             and ci.indnatts = cardinality(k.conkey)\(fifteen ? " and not ci.indnullsnotdistinct" : "")
                        then case k.contype when 'p' then 'PRIMARY KEY (' else 'UNIQUE (' end || kk.list || ')'
                             \(tail)
                        when \(writes ? "true" : "false") and k.contype = 'f'\(fifteen ? " and k.confdelsetcols is null" : "")
                             and kk.list is not null and rk.list is not null
                             and k.confmatchtype in ('s', 'f', 'p') and k.confupdtype in ('a', 'r', 'c', 'n', 'd')
                             and k.confdeltype in ('a', 'r', 'c', 'n', 'd')
                        then 'FOREIGN KEY (' || kk.list || ') REFERENCES ' || quote_ident(rn.nspname) || '.'
                             || quote_ident(rc.relname) || '(' || rk.list || ')'
                             || case k.confmatchtype when 'f' then ' MATCH FULL' when 'p' then ' MATCH PARTIAL' else '' end
                             || \(action("confupdtype", "ON UPDATE"))
                             || \(action("confdeltype", "ON DELETE"))
                             \(tail)
                        else pg_get_constraintdef(k.oid) end as definition,
                   k.convalidated as validated, coalesce(kk.names, '{}') as columns,
                   rn.nspname::text as referenced_schema, rc.relname::text as referenced_table,
                   coalesce(rk.names, '{}') as referenced_columns
            from pg_constraint k
            join pg_class c on c.oid = k.conrelid
            join pg_namespace n on n.oid = c.relnamespace
            left join pg_class rc on rc.oid = k.confrelid
            left join pg_namespace rn on rn.oid = rc.relnamespace
            left join pg_index ci on ci.indexrelid = k.conindid
            left join keys kk on kk.oid = k.oid and not kk.referenced
            left join keys rk on rk.oid = k.oid and rk.referenced
            where \(schemaFilter) and \(notInExtension("pg_class", "c.oid"))
            order by 1, 2, 3
            """
    }

    /// Each index, with its definition: a plain one (key columns only, each with its default
    /// operator class, collation and order, no options) is written here, the others are
    /// `pg_get_indexdef`'s (see ``constraints(serverVersion:)``).
    static func indexes(serverVersion: Int) -> String {
        let writes = writesDefinitions(serverVersion: serverVersion)
        return """
            with keys as (
                select x.indexrelid,
                       array_agg(coalesce(a.attname::text, '(expression)') order by x.ord)
                         filter (where x.ord <= x.indnkeyatts) as columns,
                       string_agg(quote_ident(a.attname), ', ' order by x.ord) as list,
                       -- A domain's own default class is not its base type's, which is the one
                       -- pg_get_indexdef leaves unnamed: a column of a domain is the function's.
                       bool_and(a.attnum is not null and (x.collation = 0 or x.collation = a.attcollation)
                                and o.opcdefault and o.opcintype = a.atttypid and ty.typtype <> 'd'
                                and x.option = 0) as plain
                from (select ix.indexrelid, ix.indrelid, ix.indnkeyatts, k.attnum, k.ord,
                             ix.indclass[k.ord - 1] as opclass, ix.indcollation[k.ord - 1] as collation,
                             ix.indoption[k.ord - 1] as option
                      from pg_index ix, unnest(ix.indkey::int2[]) with ordinality k(attnum, ord)
                      where \(created("ix.indrelid"))) x
                left join pg_attribute a on a.attrelid = x.indrelid and a.attnum = x.attnum
                  and \(created("a.attrelid"))
                left join pg_opclass o on o.oid = x.opclass
                left join pg_type ty on ty.oid = a.atttypid
                group by x.indexrelid)
            select n.nspname::text as schema, t.relname::text as relation, i.relname::text as name,
                   coalesce(kc.columns, '{}') as columns,
                   ix.indisunique as is_unique, ix.indisprimary as is_primary, ix.indisvalid as valid,
                   p.predicate,
                   case when \(writes ? "true" : "false") and kc.plain and i.relkind = 'i' and ix.indexprs is null
                             and i.reloptions is null and ix.indnatts = ix.indnkeyatts\(serverVersion >= 150_000 ? " and not ix.indnullsnotdistinct" : "")
                             and not exists (select from pg_attribute ia where ia.attrelid = i.oid and ia.attoptions is not null)
                        then 'CREATE ' || case when ix.indisunique then 'UNIQUE ' else '' end || 'INDEX '
                             || quote_ident(i.relname) || ' ON ' || quote_ident(n.nspname) || '.' || quote_ident(t.relname)
                             || ' USING ' || quote_ident(am.amname) || ' (' || kc.list || ')'
                             || coalesce(' WHERE ' || p.predicate, '')
                        else pg_get_indexdef(ix.indexrelid) end as definition
            from pg_index ix
            join pg_class i on i.oid = ix.indexrelid
            join pg_am am on am.oid = i.relam
            join pg_class t on t.oid = ix.indrelid
            join pg_namespace n on n.oid = t.relnamespace
            left join keys kc on kc.indexrelid = ix.indexrelid
            -- Deparsed once: the definition's WHERE is the same text.
            cross join lateral (select pg_get_expr(ix.indpred, ix.indrelid) as predicate offset 0) p
            where \(created("ix.indrelid")) and \(created("i.oid")) and \(created("t.oid"))
              and \(schemaFilter) and \(notInExtension("pg_class", "t.oid"))
            order by 1, 2, 3
            """
    }

    static let functions = """
        select n.nspname::text as schema, p.proname::text as name,
               pg_get_function_identity_arguments(p.oid) as arguments,
               coalesce(pg_get_function_result(p.oid), '') as result,
               p.provolatile::text as volatility, p.prosecdef as security_definer,
               coalesce(p.proconfig, '{}')::text[] as settings, l.lanname::text as language,
               pg_get_userbyid(p.proowner)::text as owner,
               -- A SQL-standard body (BEGIN ATOMIC, PostgreSQL 14+) is stored parsed, not as text.
               case when p.prosqlbody is not null then pg_get_functiondef(p.oid) else coalesce(p.prosrc, '') end as body,
               coalesce(p.prosrc, '') as source,
               obj_description(p.oid, 'pg_proc') as comment,
               case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' when 'w' then 'window' end as kind,
               pg_get_function_arguments(p.oid) as full_arguments,
               array_remove(array[
                 case when p.proisstrict then 'strict' end,
                 case when p.proleakproof then 'leakproof' end,
                 case p.proparallel when 's' then 'parallel safe' when 'r' then 'parallel restricted' end,
                 case when p.proretset then 'returns set' end], null) as attributes,
               \(privileges("p.proacl", type: "f", owner: "p.proowner")) as privileges,
               (select 'sfunc ' || ag.aggtransfn::text || ', stype ' || format_type(ag.aggtranstype, null)
                       || coalesce(', finalfunc ' || nullif(ag.aggfinalfn::oid, 0)::regproc::text, '')
                       || coalesce(', combinefunc ' || nullif(ag.aggcombinefn::oid, 0)::regproc::text, '')
                       || coalesce(', initcond ' || ag.agginitval, '')
                from pg_aggregate ag where ag.aggfnoid = p.oid) as aggregate
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        join pg_language l on l.oid = p.prolang
        where \(created("p.oid")) and \(schemaFilter) and \(notInExtension("pg_proc", "p.oid"))
          -- A range type's constructors are the type's.
          and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'i')
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
        where not t.tgisinternal and \(schemaFilter) and \(notInExtension("pg_class", "c.oid"))
          -- A partition's clone of its parent's trigger is the parent's (internal or not,
          -- depending on the server's version).
          and t.tgparentid = 0
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

    static let extensions = """
        select e.extname::text as name, e.extversion::text as version, n.nspname::text as schema
        from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        order by 1
        """

    /// Enums, domains, ranges and stand-alone composite types (not a table's row type, not
    /// an array, not an extension's).
    static let types = """
        select n.nspname::text as schema, t.typname::text as name,
               case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'c' then 'composite' else 'range' end as kind,
               pg_get_userbyid(t.typowner)::text as owner,
               coalesce((select array_agg(v.enumlabel::text order by v.enumsortorder) from pg_enum v where v.enumtypid = t.oid), '{}') as enum_values,
               case t.typtype when 'd' then format_type(t.typbasetype, t.typtypmod)
                              when 'r' then (select format_type(r.rngsubtype, null) from pg_range r where r.rngtypid = t.oid) end as base,
               t.typnotnull as not_null, t.typdefault as default_expression,
               coalesce((select array_agg(k.conname::text || ': ' || pg_get_constraintdef(k.oid) order by k.conname)
                         from pg_constraint k where k.contypid = t.oid and k.contype <> 'n'), '{}') as constraints,
               coalesce((select array_agg(a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) order by a.attnum)
                         from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped), '{}') as attributes,
               case when t.typtype = 'd' and t.typcollation <> (select b.typcollation from pg_type b where b.oid = t.typbasetype)
                    then (select co.collname::text from pg_collation co where co.oid = t.typcollation) end as collation
        from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where (t.typtype in ('e', 'd', 'r')
               or (t.typtype = 'c' and (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c'))
          and \(created("t.oid")) and \(schemaFilter) and \(notInExtension("pg_type", "t.oid"))
        order by 1, 2
        """

    /// Sequences, except those of identity columns (the column says `identity`).
    static let sequences = """
        select n.nspname::text as schema, c.relname::text as name, format_type(s.seqtypid, null) as type,
               s.seqstart as start, s.seqincrement as increment, s.seqmin as minimum, s.seqmax as maximum,
               s.seqcache as cache, s.seqcycle as cycle,
               (select dn.nspname::text || '.' || dc.relname::text || '.' || da.attname::text
                from pg_depend d join pg_class dc on dc.oid = d.refobjid
                join pg_namespace dn on dn.oid = dc.relnamespace
                join pg_attribute da on da.attrelid = d.refobjid and da.attnum = d.refobjsubid
                where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'a'
                  and d.refclassid = 'pg_class'::regclass limit 1) as owned_by,
               pg_get_userbyid(c.relowner)::text as owner,
               \(privileges("c.relacl", type: "s", owner: "c.relowner")) as privileges
        from pg_sequence s join pg_class c on c.oid = s.seqrelid
        join pg_namespace n on n.oid = c.relnamespace
        where \(schemaFilter) and \(notInExtension("pg_class", "c.oid"))
          and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'i')
        order by 1, 2
        """

    static let eventTriggers = """
        select e.evtname::text as name, e.evtevent::text as event, fn.nspname::text as function_schema,
               p.proname::text as function_name, e.evtenabled::text as enabled,
               coalesce((select array_agg(g order by g) from unnest(e.evttags) g), '{}')::text[] as tags
        from pg_event_trigger e join pg_proc p on p.oid = e.evtfoid
        join pg_namespace fn on fn.oid = p.pronamespace
        where \(notInExtension("pg_event_trigger", "e.oid"))
        order by 1
        """

    static let defaultPrivileges = """
        select pg_get_userbyid(d.defaclrole)::text as role, n.nspname::text as schema,
               case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                                    when 'T' then 'types' else 'schemas' end as object_type,
               coalesce((select array_agg(g order by g) from (
                   select distinct case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee)::text end
                          || ':' || a.privilege_type || case when a.is_grantable then '+grant' else '' end as g
                   from aclexplode(d.defaclacl) a) x), '{}') as privileges
        from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
        order by 1, 2, 3
        """

    /// Publications with the tables they name (with a column list and row filter, which
    /// decide what Realtime sends, from PostgreSQL 15) and the schemas they publish whole.
    static func publications(serverVersion: Int) -> String {
        let modern = serverVersion >= 150000
        let columns =
            modern
            ? """
              || case when r.prattrs is null then '' else ' (' ||
                   (select string_agg(a.attname::text, ', ' order by a.attnum) from pg_attribute a
                    where a.attrelid = r.prrelid and a.attnum = any(r.prattrs)) || ')' end
              || coalesce(' where ' || pg_get_expr(r.prqual, r.prrelid), '')
            """ : ""
        let schemas =
            modern
            ? """
            coalesce((select array_agg(n.nspname::text order by n.nspname) from pg_publication_namespace pn
                      join pg_namespace n on n.oid = pn.pnnspid where pn.pnpubid = p.oid), '{}')
            """ : "'{}'::text[]"
        return """
            select p.pubname::text as name, p.puballtables as all_tables,
                   array_remove(array[case when p.pubinsert then 'insert' end, case when p.pubupdate then 'update' end,
                                      case when p.pubdelete then 'delete' end, case when p.pubtruncate then 'truncate' end], null) as operations,
                   p.pubviaroot as via_root,
                   coalesce((select array_agg(x.name order by x.name) from (
                               select n.nspname::text || '.' || c.relname::text \(columns) as name
                               from pg_publication_rel r join pg_class c on c.oid = r.prrelid
                               join pg_namespace n on n.oid = c.relnamespace
                               where r.prpubid = p.oid) x), '{}') as tables,
                   \(schemas) as schemas
            from pg_publication p
            order by 1
            """
    }
}
