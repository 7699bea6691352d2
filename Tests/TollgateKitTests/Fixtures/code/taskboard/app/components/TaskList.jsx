'use client'
import { createBrowserClient } from '@supabase/ssr'
import { useEffect, useState } from 'react'

const supabase = createBrowserClient(
  process.env.NEXT_PUBLIC_SUPABASE_URL,
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY,
)

/* A builder kept in a variable and extended, filter by filter. */
export function TaskList({ projectId, filters }) {
  const [tasks, setTasks] = useState([])
  useEffect(() => {
    let query = supabase.from('tasks').select('id, title, status, due_on, tags')
    query = query.eq('project_id', projectId).neq('status', 'archived')
    if (filters.overdue) query = query.lt('due_on', new Date().toISOString())
    if (filters.since) query = query.gte('created_at', filters.since)
    if (filters.before) query = query.lte('created_at', filters.before)
    if (filters.minPriority) query = query.gt('priority', filters.minPriority)
    if (filters.tag) query = query.contains('tags', [filters.tag])
    if (filters.only) query = query.containedBy('tags', filters.only)
    if (filters.any) query = query.overlaps('tags', filters.any)
    if (filters.title) query = query.ilike('title', `%${filters.title}%`)
    if (filters.prefix) query = query.like('title', filters.prefix + '%')
    if (filters.unscheduled) query = query.is('due_on', null)
    if (filters.statuses) query = query.in('status', filters.statuses)
    if (filters.notMine) query = query.not('author_id', 'eq', filters.me)
    if (filters.raw) query = query.filter('priority', 'gte', 2)
    query.range(0, 49).then(({ data }) => setTasks(data ?? []))
  }, [projectId, filters])
  return (
    <ul>
      {tasks.map((t) => (
        <li key={t.id}>
          {t.title} — it's {t.status}, isn't it?
        </li>
      ))}
    </ul>
  )
}
