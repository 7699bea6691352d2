-- Day 6 (contract): the new backend writes org_id itself everywhere, so the database no longer
-- fills it for the old one. The triggers and their function go; new users still get their
-- organization on sign-up (tollgate_new_user_org stays), and NOT NULL now refuses any row
-- written without org_id.
drop trigger if exists leads_fill_org_id on public.leads;
drop trigger if exists campaigns_fill_org_id on public.campaigns;
drop trigger if exists knowledge_base_fill_org_id on public.knowledge_base;
drop trigger if exists call_logs_fill_org_id on public.call_logs;
drop trigger if exists cold_call_logs_fill_org_id on public.cold_call_logs;
drop trigger if exists call_tracking_fill_org_id on public.call_tracking;
drop trigger if exists calls_fill_org_id on public.calls;
drop trigger if exists agents_fill_org_id on public.agents;
drop trigger if exists integrations_fill_org_id on public.integrations;
drop function if exists public.tollgate_fill_org_id();
